using System.Net.Http;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgeGw.Host.Tests;

public sealed class CliTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Help_PrintsUsageAndExitsZero()
    {
        await using var gateway = GatewayProcess.Start(["--help"]);
        Assert.Equal(0, await gateway.WaitForExitAsync(Timeout));
        Assert.Contains("edgegw validate <file>", gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_ListsEveryVerb()
    {
        await using var gateway = GatewayProcess.Start(["--help"]);
        Assert.Equal(0, await gateway.WaitForExitAsync(Timeout));
        foreach (string verb in (string[])["edgegw [run] ", "edgegw validate <file>", "edgegw test-invoke ", "edgegw help | --help | -h", "edgegw --version"])
        {
            Assert.Contains(verb, gateway.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Version_PrintsTheInformationalVersionAndExitsZero()
    {
        string expected = System.Reflection.CustomAttributeExtensions.GetCustomAttribute<System.Reflection.AssemblyInformationalVersionAttribute>(
            System.Reflection.Assembly.LoadFile(GatewayProcess.HostDll))!.InformationalVersion;
        await using var gateway = GatewayProcess.Start(["--version"]);
        Assert.Equal(0, await gateway.WaitForExitAsync(Timeout));
        Assert.Equal($"edgegw {expected}", gateway.Output);
    }

    [Theory]
    [InlineData("serve", "edgegw: unknown command 'serve'")]
    [InlineData("test-invoke GET", "edgegw test-invoke: expected <METHOD> <path>")]
    [InlineData("test-invoke GET /x --bogus", "edgegw test-invoke: unknown option '--bogus'")]
    [InlineData("test-invoke GET x", "edgegw test-invoke: the path must start with '/': 'x'")]
    [InlineData("test-invoke GET /x -H nocolon", "edgegw test-invoke: -H 'nocolon': expected 'Name: value'")]
    [InlineData("--bogus-flag", "edgegw: unknown option '--bogus-flag'")]
    [InlineData("run --bogus-flag", "edgegw: unknown option '--bogus-flag'")]
    [InlineData("--server:listen:0=http://127.0.0.1:0 extra", "edgegw: unknown command 'extra'")]
    [InlineData("validate", "edgegw: validate: missing <file>")]
    public async Task UnknownVerbOrOption_IsAnErrorWithUsageAndExitsTwo(string args, string error)
    {
        await using var gateway = GatewayProcess.Start(args.Split(' '));
        Assert.Equal(2, await gateway.WaitForExitAsync(Timeout));
        string output = gateway.Output;
        Assert.StartsWith(error + "\n", output, StringComparison.Ordinal);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("serving", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_ValidFile_ExitsZero()
    {
        using var file = TempFile.Json("""
            { "apis": [ { "name": "a", "stages": [ { "name": "s" } ],
              "routes": [ { "key": "GET /x", "integration": { "type": "mock", "body": "x" } } ] } ] }
            """);
        await using var gateway = GatewayProcess.Start(["validate", file.Path]);
        Assert.Equal(0, await gateway.WaitForExitAsync(Timeout));
        Assert.Contains("valid", gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_InvalidFile_ReportsEveryErrorWithItsPath()
    {
        using var file = TempFile.Json("""
            { "server": { "limits": { "maxHeaderCount": -1 } },
              "apis": [ { "name": "a", "stages": [ { "name": "s" } ],
                "routes": [ { "key": "FETCH /x", "integration": { "type": "mock" } },
                            { "key": "GET /y", "integration": { "type": "http", "cluster": "missing" } } ] } ] }
            """);
        await using var gateway = GatewayProcess.Start(["validate", file.Path]);
        Assert.Equal(1, await gateway.WaitForExitAsync(Timeout));
        string output = gateway.Output;
        Assert.Contains("server.limits.maxHeaderCount", output, StringComparison.Ordinal);
        Assert.Contains("apis[0].routes[0].key", output, StringComparison.Ordinal);
        Assert.Contains("apis[0].routes[1].integration.cluster", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_InvalidConfig_RefusesToStart()
    {
        using var file = TempFile.Json("""{ "apis": [ { "name": "" } ] }""");
        await using var gateway = GatewayProcess.Start(["--config", file.Path]);
        Assert.Equal(1, await gateway.WaitForExitAsync(Timeout));
        Assert.Contains("not starting", gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_MalformedJson_IsOneErrorLineWithFileLineAndColumn()
    {
        using var file = TempFile.Json("""{ "server":""");
        await using var gateway = GatewayProcess.Start(["validate", file.Path]);
        Assert.Equal(1, await gateway.WaitForExitAsync(Timeout));
        string line = Assert.Single(gateway.Output.Split('\n'));
        Assert.StartsWith($"edgegw validate: {file.Path}:1:12: invalid JSON: ", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_MalformedJson_IsOneErrorLineWithFileLineAndColumn()
    {
        using var file = TempFile.Json("{\n  \"server\": { \"limits\": }\n}\n");
        await using var gateway = GatewayProcess.Start(["--config", file.Path, "--server:listen:0=http://127.0.0.1:0"]);
        Assert.Equal(1, await gateway.WaitForExitAsync(Timeout));
        Assert.Equal($"edgegw: not starting: {file.Path}:2:25: invalid JSON: '}}' is an invalid start of a value.", gateway.Output);
    }

    [Fact]
    public async Task ConfigFileChange_MalformedJson_IsLoggedAndTheRunningConfigKept()
    {
        using var file = TempFile.Json(MockConfig("one"));
        await using var gateway = GatewayProcess.Start(["--config", file.Path, "--server:listen:0=http://127.0.0.1:0"]);
        int port = await gateway.WaitForListeningAsync();
        using var client = new HttpClient();

        var failed = gateway.WaitForLineAsync(l => l.Contains("reload failed", StringComparison.Ordinal), Timeout);
        File.WriteAllText(file.Path, """{ "server":""");
        Assert.Equal($"edgegw: reload failed, keeping the running config: {file.Path}:1:12: invalid JSON: Expected depth to be zero at the end of the JSON payload. There is an open JSON object or array that should be closed.", await failed);
        Assert.Equal("one", await GetMockAsync(client, port));

        // Fixed again, the file is applied as any change is.
        await SaveAndWaitForReloadAsync(gateway, file.Path, MockConfig("two"));
        Assert.Equal("two", await GetMockAsync(client, port));
    }

    [Fact]
    public async Task ConfigFileDeletedOrEmptied_IsLoggedAndTheRunningConfigKept()
    {
        using var file = TempFile.Json(MockConfig("one"));
        await using var gateway = GatewayProcess.Start(["--config", file.Path, "--server:listen:0=http://127.0.0.1:0"]);
        int port = await gateway.WaitForListeningAsync();
        using var client = new HttpClient();

        var missing = gateway.WaitForLineAsync(l => l.Contains("file not found", StringComparison.Ordinal), Timeout);
        File.Delete(file.Path);
        Assert.Equal($"edgegw: reload failed, keeping the running config: {file.Path}: file not found", await missing);
        Assert.Equal("one", await GetMockAsync(client, port));

        // As a non-atomic rewrite leaves it between truncating and writing.
        var empty = gateway.WaitForLineAsync(l => l.Contains("file is empty", StringComparison.Ordinal), Timeout);
        File.WriteAllText(file.Path, "");
        Assert.Equal($"edgegw: reload failed, keeping the running config: {file.Path}: file is empty", await empty);
        Assert.Equal("one", await GetMockAsync(client, port));

        await SaveAndWaitForReloadAsync(gateway, file.Path, MockConfig("two"));
        Assert.Equal("two", await GetMockAsync(client, port));
        Assert.DoesNotContain("reloaded (0 route(s))", gateway.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("sockets")]
    public async Task Run_ListenAddressInUse_IsOneErrorLineNamingItAndExitOne(string transport)
    {
        using var occupied = new TcpListener(IPAddress.Loopback, 0);
        occupied.Start();
        int port = ((IPEndPoint)occupied.LocalEndpoint).Port;
        await using var gateway = GatewayProcess.Start([$"--server:listen:0=http://127.0.0.1:{port}", $"--server:transport={transport}"]);
        Assert.Equal(1, await gateway.WaitForExitAsync(Timeout));
        Assert.Equal($"edgegw: not starting: Failed to bind to address http://127.0.0.1:{port}: address already in use.", gateway.Output);
    }

    [Fact]
    public async Task Run_AdminAddressInUse_IsOneErrorLineNamingItAndExitOne()
    {
        using var occupied = new TcpListener(IPAddress.Loopback, 0);
        occupied.Start();
        int port = ((IPEndPoint)occupied.LocalEndpoint).Port;
        await using var gateway = GatewayProcess.Start(["--server:listen:0=http://127.0.0.1:0", $"--admin:listen:0=http://127.0.0.1:{port}"]);
        Assert.Equal(1, await gateway.WaitForExitAsync(Timeout));
        Assert.Equal($"edgegw: not starting: Failed to bind to address http://127.0.0.1:{port}: address already in use.", gateway.Output);
    }

    [Fact]
    public async Task Run_WithoutConfig_ServesTheEmbeddedDemoApi()
    {
        await using var gateway = GatewayProcess.Start(["--server:listen:0=http://127.0.0.1:0"]);
        int port = await gateway.WaitForListeningAsync();
        using var client = new HttpClient();
        var response = await client.GetAsync(new Uri($"http://127.0.0.1:{port}/demo/hello"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Hello from EdgeGw", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var missing = await client.GetAsync(new Uri($"http://127.0.0.1:{port}/demo/missing"));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("""{"message":"Not Found"}""", await missing.Content.ReadAsStringAsync());

        // The demo WebSocket API answers a ping message, without any upstream.
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/chat"), timeout.Token);
        await socket.SendAsync("{\"action\":\"ping\"}"u8.ToArray(), System.Net.WebSockets.WebSocketMessageType.Text, true, timeout.Token);
        var buffer = new byte[256];
        var received = await socket.ReceiveAsync(buffer, timeout.Token);
        Assert.Equal("""{"action":"pong"}""", System.Text.Encoding.UTF8.GetString(buffer, 0, received.Count));
        await socket.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
    }

    [Fact]
    public async Task EnvironmentOverride_AppliesToTheLoadedConfig()
    {
        await using var gateway = GatewayProcess.Start(
            ["--server:listen:0=http://127.0.0.1:0"],
            new Dictionary<string, string> { ["EDGEGW_server__limits__maxHeaderCount"] = "2" });
        int port = await gateway.WaitForListeningAsync();
        string response = await RawRequestAsync(port, "GET /demo/hello HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 431 ", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task EnvironmentVariableThatIsNoConfigKey_IsWarnedAboutOnceAndIgnored()
    {
        await using var gateway = GatewayProcess.Start(
            ["--server:listen:0=http://127.0.0.1:0"],
            new Dictionary<string, string>
            {
                ["EDGEGW_HOME"] = "/opt/edgegw",
                ["EDGEGW_TEST_TRANSPORT"] = "sockets",
                ["EDGEGW_BEFORE_DLL"] = "/tmp/before/edgegw.dll",
                ["EDGEGW_server__limits__maxHeaderCount"] = "2",
            });
        int port = await gateway.WaitForListeningAsync();

        // A variable that names a config key still overrides it.
        string response = await RawRequestAsync(port, "GET /demo/hello HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 431 ", response, StringComparison.Ordinal);
        var warnings = gateway.Output.Split('\n').Where(l => l.StartsWith("edgegw: warning: ignoring ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(["EDGEGW_BEFORE_DLL", "EDGEGW_HOME", "EDGEGW_TEST_TRANSPORT"], warnings.Select(l => l.Split(' ')[3].TrimEnd(':')));
        Assert.StartsWith("edgegw: warning: ignoring EDGEGW_HOME: not a config key (EDGEGW_<section>__<key>, where <section> is one of: server, admin,", warnings[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_EnvironmentVariableThatIsNoConfigKey_DoesNotFailTheFile()
    {
        using var file = TempFile.Json(MockConfig("one"));
        await using var gateway = GatewayProcess.Start(["validate", file.Path], new Dictionary<string, string> { ["EDGEGW_HOME"] = "/opt/edgegw" });
        Assert.Equal(0, await gateway.WaitForExitAsync(Timeout));
        Assert.Contains("edgegw: warning: ignoring EDGEGW_HOME: not a config key", gateway.Output, StringComparison.Ordinal);
        Assert.Contains($"{file.Path}: valid", gateway.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigFileChange_IsAppliedWithoutRestart()
    {
        using var file = TempFile.Json(MockConfig("one"));
        await using var gateway = GatewayProcess.Start(["--config", file.Path, "--server:listen:0=http://127.0.0.1:0"]);
        int port = await gateway.WaitForListeningAsync();
        using var client = new HttpClient();
        Assert.Equal("one", await GetMockAsync(client, port));

        await SaveAndWaitForReloadAsync(gateway, file.Path, MockConfig("two"));
        Assert.Equal("two", await GetMockAsync(client, port));
    }

    [Fact]
    public async Task ConfigFileSavedOnce_LogsReloadedOnce()
    {
        using var file = TempFile.Json(MockConfig("one"));
        await using var gateway = GatewayProcess.Start(["--config", file.Path, "--server:listen:0=http://127.0.0.1:0"]);
        await gateway.WaitForListeningAsync();

        var first = gateway.WaitForLineAsync(l => l.Contains("reloaded (1 route(s))", StringComparison.Ordinal), Timeout);
        File.WriteAllText(file.Path, MockConfig("two"));
        await first;

        // A later save with two routes is the signal that every event of the first save has been handled.
        var second = gateway.WaitForLineAsync(l => l.Contains("reloaded (2 route(s))", StringComparison.Ordinal), Timeout);
        File.WriteAllText(file.Path, """
            { "apis": [ { "name": "a", "stages": [ { "name": "s" } ],
              "routes": [ { "key": "GET /x", "integration": { "type": "mock", "body": "three" } },
                          { "key": "GET /y", "integration": { "type": "mock", "body": "y" } } ] } ] }
            """);
        await second;

        string[] reloaded = [.. gateway.Output.Split('\n').Where(l => l.Contains("reloaded", StringComparison.Ordinal))];
        Assert.Equal([$"edgegw: {file.Path} reloaded (1 route(s))", $"edgegw: {file.Path} reloaded (2 route(s))"], reloaded);
    }

    [Fact]
    public async Task ConfigFileChange_ListenAddresses_LogsThatARestartIsNeededAndAppliesTheRest()
    {
        using var file = TempFile.Json(ListenConfig("http://127.0.0.1:0", "one"));
        await using var gateway = GatewayProcess.Start(["--config", file.Path]);
        int port = await gateway.WaitForListeningAsync();
        using var client = new HttpClient();

        var restart = gateway.WaitForLineAsync(l => l.Contains("needs a restart", StringComparison.Ordinal), Timeout);
        var reloaded = gateway.WaitForLineAsync(l => l.Contains("reloaded", StringComparison.Ordinal), Timeout);
        // admin.listen:0 comes from the environment (GatewayProcess); a second address in the file changes the list.
        File.WriteAllText(file.Path, ListenConfig("http://127.0.0.1:1", "two", """, "admin": { "listen": ["http://127.0.0.1:0", "http://127.0.0.1:2"] }"""));
        Assert.Equal($"edgegw: {file.Path}: server.listen, admin.listen changed: needs a restart to apply; the rest of the change is applied", await restart);
        await reloaded;
        Assert.Equal("two", await GetMockAsync(client, port));
        Assert.Single(gateway.Output.Split('\n'), l => l.Contains("needs a restart", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ConfigFileChange_Transport_LogsThatARestartIsNeededAndAppliesTheRest()
    {
        using var file = TempFile.Json(TransportConfig("sockets", "one"));
        await using var gateway = GatewayProcess.Start(["--config", file.Path]);
        int port = await gateway.WaitForListeningAsync();
        using var client = new HttpClient();

        var restart = gateway.WaitForLineAsync(l => l.Contains("needs a restart", StringComparison.Ordinal), Timeout);
        var reloaded = gateway.WaitForLineAsync(l => l.Contains("reloaded", StringComparison.Ordinal), Timeout);
        File.WriteAllText(file.Path, TransportConfig("epoll", "two"));
        Assert.Equal($"edgegw: {file.Path}: server.transport changed: needs a restart to apply; the rest of the change is applied", await restart);
        await reloaded;
        Assert.Equal("two", await GetMockAsync(client, port));
    }

    [Fact]
    public async Task ConfigFileChange_StatePath_LogsThatARestartIsNeededAndKeepsTheOpenStateFile()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"edgegw-state-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        using var file = TempFile.Json(ListenConfig("http://127.0.0.1:0", "one", StateSection(Path.Combine(directory, "a.json"), 5)));
        await using var gateway = GatewayProcess.Start(["--config", file.Path]);
        int port = await gateway.WaitForListeningAsync();

        var restart = gateway.WaitForLineAsync(l => l.Contains("needs a restart", StringComparison.Ordinal), Timeout);
        var reloaded = gateway.WaitForLineAsync(l => l.Contains("reloaded", StringComparison.Ordinal), Timeout);
        File.WriteAllText(file.Path, ListenConfig("http://127.0.0.1:0", "two", StateSection(Path.Combine(directory, "b.json"), 9)));
        Assert.Equal($"edgegw: {file.Path}: state.path, state.flushIntervalSeconds changed: needs a restart to apply; the rest of the change is applied", await restart);
        await reloaded;
        using var client = new HttpClient();
        Assert.Equal("two", await GetMockAsync(client, port));
        Directory.Delete(directory, recursive: true);
    }

    private static string StateSection(string path, int flushSeconds) =>
        $$""", "state": { "path": "{{path}}", "flushIntervalSeconds": {{flushSeconds}} }""";

    [Fact]
    public async Task Run_WithoutStatePath_PrintsTheDataDirectoryInUse()
    {
        string xdg = Path.Combine(Path.GetTempPath(), $"edgegw-xdg-{Guid.NewGuid():N}");
        using var file = TempFile.Json(MockConfig("one"));
        await using (var gateway = GatewayProcess.Start(["--config", file.Path, "--server:listen:0=http://127.0.0.1:0"], new Dictionary<string, string> { ["XDG_STATE_HOME"] = xdg }))
        {
            await gateway.WaitForListeningAsync();
            Assert.Equal($"edgegw: state: {xdg}/edgegw/edgegw-state.json", await gateway.WaitForLineAsync(l => l.StartsWith("edgegw: state:", StringComparison.Ordinal), Timeout));
        }

        // Under systemd (StateDirectory=edgegw), $STATE_DIRECTORY wins over XDG.
        string systemd = Path.Combine(Path.GetTempPath(), $"edgegw-systemd-{Guid.NewGuid():N}");
        await using (var gateway = GatewayProcess.Start(["--config", file.Path, "--server:listen:0=http://127.0.0.1:0"], new Dictionary<string, string> { ["XDG_STATE_HOME"] = xdg, ["STATE_DIRECTORY"] = systemd }))
        {
            await gateway.WaitForListeningAsync();
            Assert.Equal($"edgegw: state: {systemd}/edgegw-state.json", await gateway.WaitForLineAsync(l => l.StartsWith("edgegw: state:", StringComparison.Ordinal), Timeout));
        }

        Assert.False(Directory.Exists(xdg), "nothing to save: the directory is created on the first write");
        Assert.False(Directory.Exists(systemd), "nothing to save: the directory is created on the first write");
    }

    [Fact]
    public async Task Run_RelativeStatePath_IsUnderTheWorkingDirectory()
    {
        string work = Directory.CreateTempSubdirectory("edgegw-work-").FullName;
        try
        {
            using var file = TempFile.Json(MockConfig("one"));
            await using var gateway = GatewayProcess.Start(["--config", file.Path, "--server:listen:0=http://127.0.0.1:0", "--state:path=my-state.json"], workingDirectory: work);
            await gateway.WaitForListeningAsync();
            Assert.Equal($"edgegw: state: {work}/my-state.json", await gateway.WaitForLineAsync(l => l.StartsWith("edgegw: state:", StringComparison.Ordinal), Timeout));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    [Fact]
    public async Task Run_UnreadableStateFile_IsOneLineNamingItAndTheError()
    {
        using var file = TempFile.Json(MockConfig("one"));
        using var state = TempFile.Json("""{ "version": 1, "keys": [""");
        await using var gateway = GatewayProcess.Start(["--config", file.Path, "--server:listen:0=http://127.0.0.1:0", $"--state:path={state.Path}"]);
        await gateway.WaitForListeningAsync();

        string line = await gateway.WaitForLineAsync(l => l.Contains("state file not loaded", StringComparison.Ordinal), Timeout);
        Assert.StartsWith($"edgegw: state file not loaded, starting without its keys and quota usage (it is replaced when they change): {state.Path}: ", line, StringComparison.Ordinal);
        Assert.Single(gateway.Output.Split('\n'), l => l.Contains(state.Path, StringComparison.Ordinal) && !l.StartsWith("edgegw: state: ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sigterm_DrainsTheRequestInFlightThenExits()
    {
        using var upstream = new TcpListener(IPAddress.Loopback, 0);
        upstream.Start();
        int upstreamPort = ((IPEndPoint)upstream.LocalEndpoint).Port;
        using var file = TempFile.Json($$"""
            { "server": { "drainTimeoutSeconds": 20 },
              "clusters": [ { "name": "slow", "destinations": [ "127.0.0.1:{{upstreamPort}}" ] } ],
              "apis": [ { "name": "a", "stages": [ { "name": "s" } ],
                "routes": [ { "key": "GET /slow", "integration": { "type": "http", "cluster": "slow" } } ] } ] }
            """);
        await using var gateway = GatewayProcess.Start(["--config", file.Path, "--server:listen:0=http://127.0.0.1:0"]);
        int port = await gateway.WaitForListeningAsync();

        var request = RawRequestAsync(port, "GET /s/slow HTTP/1.1\r\nHost: a\r\n\r\n");
        using var accepted = await upstream.AcceptTcpClientAsync().WaitAsync(Timeout);
        var stream = accepted.GetStream();
        await ReadHeadAsync(stream);

        // The request is in flight at the upstream: stop the gateway, then let the upstream answer.
        var draining = gateway.WaitForLineAsync(l => l.Contains("draining", StringComparison.Ordinal), Timeout);
        gateway.SendSigterm();
        await draining;
        await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\ndrained"u8.ToArray());

        string response = await request.WaitAsync(Timeout);
        Assert.StartsWith("HTTP/1.1 200 OK", response, StringComparison.Ordinal);
        Assert.EndsWith("drained", response, StringComparison.Ordinal);
        Assert.Equal(0, await gateway.WaitForExitAsync(Timeout));
    }

    [Fact]
    public async Task ConfigFileChange_ListenEntryOptions_NeedARestart_TrustedProxiesDoNot()
    {
        static string Config(string entry, string trusted, string body) => $$"""
            { "server": { "listen": [ {{entry}} ], "trustedProxies": [ {{trusted}} ] },
              "apis": [ { "name": "a", "stages": [ { "name": "s" } ],
              "routes": [ { "key": "GET /x", "integration": { "type": "mock", "body": "{{body}}" } } ] } ] }
            """;
        using var file = TempFile.Json(Config("""{ "url": "http://127.0.0.1:0" }""", "", "one"));
        await using var gateway = GatewayProcess.Start(["--config", file.Path]);
        int port = await gateway.WaitForListeningAsync();
        using var client = new HttpClient();

        var restart = gateway.WaitForLineAsync(l => l.Contains("needs a restart", StringComparison.Ordinal), Timeout);
        var reloaded = gateway.WaitForLineAsync(l => l.Contains("reloaded", StringComparison.Ordinal), Timeout);
        // Same URL, now with the PROXY protocol (read at start only), and trusted proxies (applied on reload).
        File.WriteAllText(file.Path, Config("""{ "url": "http://127.0.0.1:0", "proxyProtocol": true }""", "\"10.0.0.0/8\"", "two"));
        Assert.Equal($"edgegw: {file.Path}: server.listen changed: needs a restart to apply; the rest of the change is applied", await restart);
        await reloaded;
        // Still a plain listener: a request without a PROXY header is served.
        Assert.Equal("two", await GetMockAsync(client, port));
    }

    private static string ListenConfig(string listen, string body, string extra = "") => $$"""
        { "server": { "listen": ["{{listen}}"] }{{extra}},
          "apis": [ { "name": "a", "stages": [ { "name": "s" } ],
          "routes": [ { "key": "GET /x", "integration": { "type": "mock", "body": "{{body}}" } } ] } ] }
        """;

    private static string TransportConfig(string transport, string body) => $$"""
        { "server": { "listen": ["http://127.0.0.1:0"], "transport": "{{transport}}" },
          "apis": [ { "name": "a", "stages": [ { "name": "s" } ],
          "routes": [ { "key": "GET /x", "integration": { "type": "mock", "body": "{{body}}" } } ] } ] }
        """;

    /// <summary>Writes <paramref name="config"/> and waits for the gateway's "reloaded" line for it.</summary>
    private static async Task SaveAndWaitForReloadAsync(GatewayProcess gateway, string path, string config)
    {
        var reloaded = gateway.WaitForLineAsync(l => l.Contains("reloaded", StringComparison.Ordinal), Timeout);
        File.WriteAllText(path, config);
        await reloaded;
    }

    /// <summary>The body of the mock route <c>/s/x</c> that <see cref="MockConfig"/> defines.</summary>
    private static Task<string> GetMockAsync(HttpClient client, int port) => client.GetStringAsync(new Uri($"http://127.0.0.1:{port}/s/x"));

    private static string MockConfig(string body) => $$"""
        { "apis": [ { "name": "a", "stages": [ { "name": "s" } ],
          "routes": [ { "key": "GET /x", "integration": { "type": "mock", "body": "{{body}}" } } ] } ] }
        """;

    /// <summary>Sends one request and reads until the server closes or a complete Content-Length response arrives.</summary>
    private static async Task<string> RawRequestAsync(int port, string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        var received = new MemoryStream();
        var buffer = new byte[4096];
        while (true)
        {
            int read = await stream.ReadAsync(buffer);
            if (read == 0)
            {
                break;
            }

            received.Write(buffer, 0, read);
            string text = Encoding.ASCII.GetString(received.ToArray());
            int headEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (headEnd >= 0)
            {
                var match = System.Text.RegularExpressions.Regex.Match(text[..headEnd], @"(?i)content-length: (\d+)");
                if (match.Success && text.Length - headEnd - 4 >= int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
                {
                    return text;
                }
            }
        }

        return Encoding.ASCII.GetString(received.ToArray());
    }

    private static async Task ReadHeadAsync(NetworkStream stream)
    {
        var seen = new List<byte>();
        var one = new byte[1];
        while (seen.Count < 4 || !(seen[^4] == '\r' && seen[^3] == '\n' && seen[^2] == '\r' && seen[^1] == '\n'))
        {
            if (await stream.ReadAsync(one) == 0)
            {
                throw new IOException("Gateway closed the upstream connection before sending a request head.");
            }

            seen.Add(one[0]);
        }
    }
}
