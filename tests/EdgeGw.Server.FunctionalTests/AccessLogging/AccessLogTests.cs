using System.Net;
using System.Net.Http;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.AccessLogging;

/// <summary>The access log through the real gateway: a file per test, lines parsed with System.Text.Json.</summary>
public sealed class AccessLogTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edgegw-accesslog-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string LogPath => Path.Combine(_directory, "access.log");

    /// <summary>API "t" stage "prod": <c>GET /mock</c>, <c>ANY /echo/{proxy+}</c> on <paramref name="upstream"/>, a throttled
    /// <c>GET /limited</c> (burst 1, rate 1), <c>GET /dead</c> on a closed port; the gateway default access log is <paramref name="accessLog"/>.</summary>
    private static string Config(string upstream, string accessLog, string stageAccessLog = "") => $$"""
        {
          "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 2 },
          "accessLog": {{accessLog}},
          "clusters": [
            { "name": "up", "destinations": ["{{upstream}}"] },
            { "name": "dead", "destinations": ["127.0.0.1:1"], "connectTimeoutMs": 2000 }
          ],
          "apis": [
            { "name": "t", "stages": [ { "name": "prod" {{stageAccessLog}} } ],
              "routes": [
                { "key": "GET /mock", "integration": { "type": "mock", "status": 200, "body": "hi" } },
                { "key": "ANY /echo/{proxy+}", "integration": { "type": "http", "cluster": "up" } },
                { "key": "GET /limited", "throttle": { "rateLimit": 1, "burstLimit": 1 }, "integration": { "type": "mock", "status": 200, "body": "ok" } },
                { "key": "GET /dead", "integration": { "type": "http", "cluster": "dead" } }
              ] }
          ]
        }
        """;

    private string FileLog(string format = "json") => $$"""{ "destination": {{JsonSerializer.Serialize(LogPath)}}, "format": {{JsonSerializer.Serialize(format)}} }""";

    private static string[] ReadLines(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string text = reader.ReadToEnd();
        return text.Length == 0 ? [] : text.TrimEnd('\n').Split('\n');
    }

    private static async Task<string[]> WaitForLinesAsync(string path, int count)
    {
        string[] lines = [];
        await Eventually.TrueAsync(() => (lines = ReadLines(path)).Length >= count, TimeSpan.FromSeconds(20));
        return lines;
    }

    private static string Header(HttpResponseMessage response, string name) => string.Join(",", response.Headers.GetValues(name));

    [Fact]
    public async Task EveryRequest_IsOneJsonLine_WithItsStatusRouteKeyLatencyAndRequestId()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, FileLog()));
        using var client = gateway.CreateClient();
        var sent = new List<(string RequestId, int Status, string RouteKey, string Path)>();
        foreach (string path in (string[])["/prod/mock", "/prod/echo/a/b", "/prod/mock", "/prod/echo/c"])
        {
            using var response = await client.GetAsync(path);
            sent.Add((Header(response, "X-Request-Id"), (int)response.StatusCode, path.StartsWith("/prod/mock", StringComparison.Ordinal) ? "GET /mock" : "ANY /echo/{proxy+}", path));
        }

        var lines = await WaitForLinesAsync(LogPath, sent.Count);

        Assert.Equal(sent.Count, lines.Length);
        // Lines written on different threads may reach the file out of order: match them by request id.
        var byId = lines.Select(l => JsonDocument.Parse(l).RootElement).ToDictionary(r => r.GetProperty("requestId").GetString()!);
        for (int i = 0; i < sent.Count; i++)
        {
            var root = byId[sent[i].RequestId];
            Assert.Equal(sent[i].RequestId, root.GetProperty("requestId").GetString());
            Assert.Equal(sent[i].Status.ToString(System.Globalization.CultureInfo.InvariantCulture), root.GetProperty("status").GetString());
            Assert.Equal(sent[i].RouteKey, root.GetProperty("routeKey").GetString());
            Assert.Equal(sent[i].Path, root.GetProperty("path").GetString());
            Assert.Equal("prod", root.GetProperty("stage").GetString());
            Assert.Equal("GET", root.GetProperty("httpMethod").GetString());
            Assert.Equal("127.0.0.1", root.GetProperty("ip").GetString());
            Assert.Equal("HTTP/1.1", root.GetProperty("protocol").GetString());
            Assert.True(long.Parse(root.GetProperty("responseLatency").GetString()!, System.Globalization.CultureInfo.InvariantCulture) >= 0);
            bool proxied = sent[i].RouteKey != "GET /mock";
            Assert.Equal(proxied ? "200" : "-", root.GetProperty("integrationStatus").GetString());
            string integrationLatency = root.GetProperty("integrationLatency").GetString()!;
            Assert.True(proxied ? long.Parse(integrationLatency, System.Globalization.CultureInfo.InvariantCulture) >= 0 : integrationLatency == "-", integrationLatency);
            Assert.Equal("-", root.GetProperty("errorType").GetString());
            Assert.Matches(@"^\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000$", root.GetProperty("requestTime").GetString());
        }

        Assert.Equal("2", byId[sent[0].RequestId].GetProperty("responseLength").GetString());
    }

    [Fact]
    public async Task GatewayAnswers_404_429_502_AreLoggedWithTheirResponseType()
    {
        string format = """{"id":"$context.requestId","status":"$context.status","type":"$context.error.responseType","message":"$context.error.message","integrationError":"$context.integrationErrorMessage","throttle":"$context.edgegw.throttle","routeKey":"$context.routeKey"}""";
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, FileLog(format)));
        using var client = gateway.CreateClient();

        using var notFound = await client.GetAsync("/prod/nowhere");
        using var allowed = await client.GetAsync("/prod/limited");
        using var throttled = await client.GetAsync("/prod/limited");
        using var badGateway = await client.GetAsync("/prod/dead");
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, badGateway.StatusCode);

        var lines = await WaitForLinesAsync(LogPath, 4);
        var byId = lines.Select(l => JsonDocument.Parse(l).RootElement).ToDictionary(r => r.GetProperty("id").GetString()!);
        var records = new[] { notFound, allowed, throttled, badGateway }.Select(r => byId[Header(r, "X-Request-Id")]).ToArray();

        Assert.Equal(["404", "200", "429", "502"], records.Select(r => r.GetProperty("status").GetString()));
        Assert.Equal(["RESOURCE_NOT_FOUND", "-", "THROTTLED", "INTEGRATION_FAILURE"], records.Select(r => r.GetProperty("type").GetString()));
        Assert.Equal(["Not Found", "-", "Too Many Requests", "Bad Gateway"], records.Select(r => r.GetProperty("message").GetString()));
        Assert.Equal(["-", "allowed", "throttled", "-"], records.Select(r => r.GetProperty("throttle").GetString()));
        Assert.Equal(["-", "GET /limited", "GET /limited", "GET /dead"], records.Select(r => r.GetProperty("routeKey").GetString()));
        Assert.Equal("connect failed (refused or unreachable)", records[3].GetProperty("integrationError").GetString());
        Assert.Equal(Header(badGateway, "X-Request-Id"), records[3].GetProperty("id").GetString());
    }

    [Fact]
    public async Task HostileHeadersAndPaths_CannotBreakALine()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, FileLog()));
        await using var raw = await gateway.ConnectRawAsync();
        // Quotes, backslashes, a tab, obs-text that is not UTF-8 and a JSON-closing sequence, as a client can send them.
        string userAgent = "x\"}, {\"status\":\"999\\\t\u00ff\u00fe";
        await raw.SendAsync($"GET /prod/echo/%22%0d%0a\"q\\ HTTP/1.1\r\nHost: a\r\nUser-Agent: {userAgent}\r\n\r\n");
        var response = await raw.ReadResponseAsync();
        // A raw CR inside a header value is refused by the parser, and the refusal is logged too.
        await raw.SendAsync("GET /prod/mock HTTP/1.1\r\nHost: a\r\nUser-Agent: a\rb\r\n\r\n");
        var refused = await raw.ReadResponseAsync();

        var lines = await WaitForLinesAsync(LogPath, 2);

        Assert.True(lines.Length == 2, string.Join("\n", lines));
        var parsed = lines.Select(l => JsonDocument.Parse(l)).ToArray();
        using var first = parsed.Single(d => d.RootElement.GetProperty("userAgent").GetString()!.StartsWith('x'));
        Assert.Equal(response.Status.ToString(System.Globalization.CultureInfo.InvariantCulture), first.RootElement.GetProperty("status").GetString());
        Assert.Equal("x\"}, {\"status\":\"999\\\t\uFFFD\uFFFD", first.RootElement.GetProperty("userAgent").GetString());
        Assert.Equal("/prod/echo/%22%0d%0a\"q\\", first.RootElement.GetProperty("path").GetString());
        Assert.Equal(15, first.RootElement.EnumerateObject().Count());
        using var second = parsed.Single(d => !ReferenceEquals(d, first));
        Assert.Equal(refused.Status.ToString(System.Globalization.CultureInfo.InvariantCulture), second.RootElement.GetProperty("status").GetString());
        Assert.All(lines, line => Assert.DoesNotContain(line, c => char.IsControl(c)));
    }

    [Fact]
    public async Task ModerateLoad_LineCountEqualsRequestCount_NothingDropped()
    {
        const int Connections = 8, PerConnection = 250;
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, FileLog()));
        var ids = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, Connections).Select(async c =>
        {
            using var client = gateway.CreateClient();
            for (int i = 0; i < PerConnection; i++)
            {
                using var response = await client.GetAsync(i % 2 == 0 ? "/prod/mock" : "/prod/echo/x");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                ids.Add(Header(response, "X-Request-Id"));
            }
        }));

        var lines = await WaitForLinesAsync(LogPath, Connections * PerConnection);

        Assert.Equal(Connections * PerConnection, lines.Length);
        var logged = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("requestId").GetString()).ToHashSet();
        Assert.True(logged.SetEquals(ids));
        Assert.Equal(0, gateway.Runtime.AccessLogs.Counters.DroppedTotal);
        Assert.Equal(Connections * PerConnection, gateway.Runtime.AccessLogs.Counters.WrittenTotal);
    }

    [Fact]
    public async Task StalledWriter_DropsAndCounts_AndRequestsDoNotWait()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // A FIFO nobody reads: the writer thread blocks opening it, as on a stuck disk.
        string fifo = Path.Combine(_directory, "stalled.fifo");
        Assert.Equal(0, Mkfifo(fifo, 0x180));
        // Lines of ~3 KB fill the 1 MB of buffers in a few hundred requests.
        string format = "{\"id\":\"$context.requestId\",\"pad\":\"" + new string('p', 3000) + "\"}";
        string accessLog = $$"""{ "destination": {{JsonSerializer.Serialize(fifo)}}, "format": {{JsonSerializer.Serialize(format)}} }""";
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, accessLog));
        try
        {
            using var client = gateway.CreateClient();
            const int Requests = 800;
            for (int i = 0; i < Requests; i++)
            {
                using var response = await client.GetAsync("/prod/mock");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            var counters = gateway.Runtime.AccessLogs.Counters;
            Assert.True(counters.DroppedTotal > 0, $"dropped {counters.DroppedTotal}");
            Assert.Equal(0, counters.WrittenTotal);
            using var admin = gateway.CreateAdminClient();
            string metrics = await admin.GetStringAsync("/metrics");
            Assert.Contains($"edgegw_access_log_dropped_total {counters.DroppedTotal}", metrics);
        }
        finally
        {
            // Unblock the writer: a reader opens the FIFO and drains it until the gateway closes it.
            _ = Task.Run(() =>
            {
                using var reader = new FileStream(fifo, FileMode.Open, FileAccess.Read);
                reader.CopyTo(Stream.Null);
            });
        }
    }

    [Fact]
    public async Task Reopen_AfterARename_WritesToANewFile()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, FileLog()));
        using var client = gateway.CreateClient();
        (await client.GetAsync("/prod/mock")).Dispose();
        await WaitForLinesAsync(LogPath, 1);
        string rotated = LogPath + ".1";
        File.Move(LogPath, rotated);

        gateway.Runtime.AccessLogs.Reopen();
        await Eventually.TrueAsync(() => File.Exists(LogPath) || gateway.Runtime.AccessLogs.Counters.WrittenTotal > 1);
        (await client.GetAsync("/prod/mock")).Dispose();
        (await client.GetAsync("/prod/mock")).Dispose();

        var lines = await WaitForLinesAsync(LogPath, 2);
        Assert.Equal(2, lines.Length);
        Assert.Single(ReadLines(rotated));
    }

    [Fact]
    public async Task Reload_FormatChange_KeepsTheFileAndEveryLine()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, FileLog()));
        using var client = gateway.CreateClient();
        for (int i = 0; i < 5; i++)
        {
            (await client.GetAsync("/prod/mock")).Dispose();
        }

        gateway.Runtime.Swap(TestGateway.BuildModel(Config(upstream.Authority, FileLog("csv"))));
        for (int i = 0; i < 5; i++)
        {
            (await client.GetAsync("/prod/mock")).Dispose();
        }

        var lines = await WaitForLinesAsync(LogPath, 10);
        Assert.Equal(10, lines.Length);
        // Lines written on different threads may reach the file out of order (each thread has its own buffer).
        Assert.Equal(5, lines.Count(l => l.StartsWith('{')));
        Assert.Equal(5, lines.Count(l => l.StartsWith("127.0.0.1,", StringComparison.Ordinal)));
        Assert.Equal(0, gateway.Runtime.AccessLogs.Counters.DroppedTotal);
    }

    [Fact]
    public async Task StageDisabled_LogsNothing_WhileUnmatchedRequestsUseTheDefault()
    {
        await using var upstream = Upstreams.Echo();
        var gateway = await TestGateway.StartAsync(Config(upstream.Authority, FileLog(), stageAccessLog: """, "accessLog": { "enabled": false }"""));
        using (var client = gateway.CreateClient())
        {
            (await client.GetAsync("/prod/mock")).Dispose();
            (await client.GetAsync("/nowhere")).Dispose();
        }

        // Disposing the gateway writes out everything buffered: what is in the file now is all there is.
        await gateway.DisposeAsync();

        var line = Assert.Single(ReadLines(LogPath));
        Assert.Equal("404", JsonDocument.Parse(line).RootElement.GetProperty("status").GetString());
    }

    [DllImport("libc", SetLastError = true, EntryPoint = "mkfifo")]
    private static extern int Mkfifo(string path, uint mode);
}
