using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.WebSockets;

/// <summary>
/// Interop with a client that is not .NET's: the Node.js <c>ws</c> package (pinned in <c>node/package.json</c>),
/// driven by <c>node/client.js</c>, through a tunnelled upgrade and through a WebSocket API the gateway terminates.
/// </summary>
public sealed class NodeInteropTests
{
    [NodeWsFact]
    public async Task Tunnel_NodeWsClient_ExchangesTextAndALargeBinaryMessage_AndClosesWith1000()
    {
        var (echo, authority) = await WebSocketEchoServer.StartAsync();
        await using var _ = echo;
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(authority));
        var big = new byte[100 * 1024];
        new Random(7).NextBytes(big);

        var run = await NodeWs.RunAsync($"ws://127.0.0.1:{gateway.Port}/prod/echo/ws",
            [new { text = "hello" }, new { binary = Convert.ToBase64String(big) }]);

        Assert.Equal("", run.Open());
        Assert.Equal([("text", "hello"), ("binary", Convert.ToBase64String(big))], run.Messages());
        Assert.Equal(1000, run.CloseCode());
        Assert.True(await Eventually.TrueAsync(() => gateway.Runtime.ActiveConnections == 0), "the tunnel was released");
    }

    [NodeWsFact]
    public async Task WebSocketApi_NodeWsClient_NegotiatesTheSubprotocol_RoutesMessages_AndDisconnects()
    {
        await using var backend = await WebSocketBackend.StartAsync();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.WebSocketApi(backend.Authority, webSocket: "\"subprotocols\": [\"chat.v1\"]"));

        var run = await NodeWs.RunAsync($"ws://127.0.0.1:{gateway.Port}/prod",
            [new { text = """{"action":"echo","n":1}""" }, new { text = """{"action":"upper","x":"a"}""" }, new { text = "hello" }],
            "chat.v1");

        Assert.Equal("chat.v1", run.Open());
        Assert.Equal(
            [("text", """{"action":"echo","n":1}"""), ("text", """{"ACTION":"UPPER","X":"A"}"""), ("text", "default route")],
            run.Messages());
        Assert.Equal(1000, run.CloseCode());
        var connect = await backend.WaitForAsync(e => e.EventType == "CONNECT");
        var disconnect = await backend.WaitForAsync(e => e.EventType == "DISCONNECT");
        Assert.Equal(connect.ConnectionId, disconnect.ConnectionId);
    }

    [NodeWsFact]
    public async Task WebSocketApi_ConnectRefusal_ReachesTheNodeWsClientAsTheBackendsStatus()
    {
        await using var backend = await WebSocketBackend.StartAsync();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.WebSocketApi(backend.Authority));

        var run = await NodeWs.RunAsync($"ws://127.0.0.1:{gateway.Port}/prod?deny=1", []);

        var refused = Assert.Single(run.Lines);
        Assert.Equal(401, refused.GetProperty("refused").GetInt32());
        Assert.Equal("""{"message":"denied by backend"}""", refused.GetProperty("body").GetString());
    }
}

/// <summary>One run of <c>client.js</c>: its stdout lines parsed as JSON, plus the raw output for failure messages.</summary>
public sealed record NodeWsRun(IReadOnlyList<JsonElement> Lines, string Output)
{
    /// <summary>The negotiated subprotocol from the <c>open</c> line ("" when none).</summary>
    public string Open() =>
        Lines.FirstOrDefault(l => l.TryGetProperty("open", out _)) is { ValueKind: JsonValueKind.Object } open
            ? open.GetProperty("protocol").GetString()!
            : throw new Xunit.Sdk.XunitException("no open line:\n" + Output);

    public IReadOnlyList<(string Type, string Data)> Messages() =>
        [.. Lines.Where(l => l.TryGetProperty("type", out _)).Select(l => (l.GetProperty("type").GetString()!, l.GetProperty("data").GetString()!))];

    public int CloseCode() =>
        Lines.FirstOrDefault(l => l.TryGetProperty("close", out _)) is { ValueKind: JsonValueKind.Object } close
            ? close.GetProperty("close").GetInt32()
            : throw new Xunit.Sdk.XunitException("no close line:\n" + Output);
}

/// <summary>Finds <c>node</c> and the <c>ws</c> package, and runs <c>client.js</c>.</summary>
public static class NodeWs
{
    private const string ClientPath = "tests/EdgeGw.Server.FunctionalTests/WebSockets/node/client.js";

    /// <summary>The folder with client.js, found in the source tree (not copied to the output: node_modules lives there).</summary>
    public static string? Folder { get; } = FindFolder();
    public static string? Node { get; } = FindOnPath("node");

    /// <summary>Why the interop tests cannot run, or null when they can.</summary>
    public static string? MissingMessage { get; } =
        Node is null ? "node is not on PATH (install Node.js 18+; .ci/run installs it)"
        : Folder is null ? $"{ClientPath} was not found above {AppContext.BaseDirectory}"
        : !File.Exists(Path.Combine(Folder, "node_modules", "ws", "package.json"))
            ? $"the ws package is not installed: run `npm ci` in {Folder} (.ci/run does)"
            : null;

    private static string? FindFolder()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, ClientPath);
            if (File.Exists(candidate))
            {
                return Path.GetDirectoryName(candidate);
            }
        }

        return null;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(d => OperatingSystem.IsWindows() ? new[] { Path.Combine(d, name + ".exe") } : [Path.Combine(d, name)])
            .FirstOrDefault(File.Exists);

    /// <summary>
    /// Runs the client with <paramref name="steps"/> on stdin (a 100 KB message in base64 is longer than one argv
    /// string may be), bounded at 20 s (the client gives up itself after 10 s); fails unless it exits 0.
    /// </summary>
    public static async Task<NodeWsRun> RunAsync(string url, object[] steps, params string[] protocols)
    {
        var info = new ProcessStartInfo(Node ?? throw new InvalidOperationException(MissingMessage))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Folder!,
            StandardInputEncoding = new UTF8Encoding(false),
        };
        info.ArgumentList.Add(Path.Combine(Folder!, "client.js"));
        info.ArgumentList.Add(url);
        info.ArgumentList.Add("-");
        if (protocols.Length > 0)
        {
            info.ArgumentList.Add(string.Join(',', protocols));
        }

        var stdout = new List<string>();
        var stderr = new StringBuilder();
        using var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (stdout)
                {
                    stdout.Add(e.Data);
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await process.StandardInput.WriteAsync(JsonSerializer.Serialize(steps).AsMemory(), timeout.Token);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // The client died before reading its steps: its exit code and stderr below say why.
        }

        try
        {
            // Also waits for the output to be drained, so every line the client printed is in stdout.
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        // WaitForExitAsync has drained both streams, so the handlers are done writing.
        bool killed = timeout.IsCancellationRequested;
        string output = $"exit {(killed ? "killed after 20 s" : process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture))}\n" +
            $"stdout:\n{string.Join('\n', stdout)}\nstderr:\n{stderr}";
        Assert.True(!killed && process.ExitCode == 0, "node client.js failed: " + output);
        List<JsonElement> lines = [.. stdout.Select(line => JsonSerializer.Deserialize<JsonElement>(line))];
        return new NodeWsRun(lines, output);
    }
}

/// <summary>A fact that skips, saying why, when node or the ws package is missing.</summary>
public sealed class NodeWsFactAttribute : FactAttribute
{
    public NodeWsFactAttribute()
    {
        if (NodeWs.MissingMessage is { } missing)
        {
            Skip = missing;
        }
    }
}
