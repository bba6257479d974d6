using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgeGw.Host.Tests;

/// <summary><c>edgegw test-invoke</c>: the real executable, one request through the real pipeline, a real backend.</summary>
public sealed class TestInvokeTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task DemoConfig_MockRoute_PrintsStatusBodyHeadersAndTheExecutionLog()
    {
        await using var run = GatewayProcess.Start(["test-invoke", "GET", "/demo/hello"], workingDirectory: EmptyDirectory());
        Assert.Equal(0, await run.WaitForExitAsync(Timeout));
        string[] lines = run.Output.Split('\n');
        Assert.Equal("Request: GET /demo/hello", lines[0]);
        Assert.Equal("Status: 200", lines[1]);
        Assert.Matches(@"^Latency: \d+ ms$", lines[2]);
        Assert.Equal("Response Body", lines[3]);
        Assert.Equal("""{"message":"Hello from EdgeGw"}""", lines[4]);
        Assert.Equal("Response Headers", lines[5]);
        Assert.Contains("Content-Type=application/json", lines[6], StringComparison.Ordinal);
        Assert.Equal("Logs", lines[7]);
        string[] log = [.. lines.Skip(8).Select(l => l[(l.IndexOf(" : ", StringComparison.Ordinal) + 3)..])];
        Assert.Matches(@"^Starting execution for request: \S+$", log[0]);
        Assert.Contains("Route matched: GET /hello (API demo, stage demo)", log);
        Assert.Contains("Mock integration: status 200, 31 byte(s) of body", log);
        Assert.Equal("Method completed with status: 200", log[^1]);
        // AWS's stamp: "Wed Dec 02 01:37:45 UTC 2026 : …".
        Assert.Matches(@"^\w{3} \w{3} \d{2} \d{2}:\d{2}:\d{2} UTC \d{4} : ", lines[8]);
    }

    [Fact]
    public async Task Tracing_TheTraceContextDecision_IsLogged_AndTheBackendJoinsTheTrace()
    {
        using var backend = new OneShotBackend("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        using var file = TempFile.Json($$"""
            { "tracing": { "sampleRatio": 1, "otlpEndpoint": "http://127.0.0.1:1/v1/traces" },
              "clusters": [ { "name": "up", "destinations": [ "127.0.0.1:{{backend.Port}}" ] } ],
              "apis": [ { "name": "a", "stages": [ { "name": "prod" } ],
                "routes": [ { "key": "GET /x", "integration": { "type": "http", "cluster": "up" } } ] } ] }
            """);
        await using var run = GatewayProcess.Start(["test-invoke", "--config", file.Path, "--stage", "prod", "GET", "/x",
            "-H", "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"]);
        Assert.Equal(0, await run.WaitForExitAsync(Timeout));

        string received = await backend.Received.WaitAsync(Timeout);
        Assert.Matches("\r\ntraceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-00\r\n", received);
        Assert.Contains("Trace context: trace 4bf92f3577b34da6a3ce929d0e0e4736 (the client's), not sampled", LogOf(run.Output));
    }

    [Fact]
    public async Task HttpRoute_CallsTheRealBackend_AndLogsTheIntegrationRequestAsSentAndItsResponse()
    {
        using var backend = new OneShotBackend("HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\nX-Backend: yes\r\nContent-Length: 7\r\n\r\ncreated");
        using var file = TempFile.Json($$"""
            { "clusters": [ { "name": "pets", "destinations": [ "127.0.0.1:{{backend.Port}}" ] } ],
              "apis": [ { "name": "petstore", "stages": [ { "name": "prod", "variables": { "version": "v1" } } ],
                "routes": [ { "key": "POST /pets/{id}", "integration": { "type": "http", "cluster": "pets", "uri": "/${stageVariables.version}/pets/{id}" } } ] } ] }
            """);
        await using var run = GatewayProcess.Start(["test-invoke", "--config", file.Path, "--stage", "prod", "POST", "/pets/7?color=red",
            "-H", "X-Trace: abc", "-H", "Content-Type: application/json", "-d", """{"name":"rex"}"""]);
        Assert.Equal(0, await run.WaitForExitAsync(Timeout));

        // What the backend received is what the log says was sent.
        string received = await backend.Received.WaitAsync(Timeout);
        Assert.StartsWith("POST /v1/pets/7?color=red HTTP/1.1\r\n", received, StringComparison.Ordinal);
        Assert.Contains("\r\nX-Trace: abc\r\n", received, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n{\"name\":\"rex\"}", received, StringComparison.Ordinal);

        string output = run.Output;
        Assert.StartsWith("Request: POST /prod/pets/7?color=red\nStatus: 201\n", output, StringComparison.Ordinal);
        Assert.Contains("\nResponse Body\ncreated\n", output, StringComparison.Ordinal);
        Assert.Contains("X-Backend=yes", output, StringComparison.Ordinal);
        string[] log = LogOf(output);
        Assert.Contains("Route matched: POST /pets/{id} (API petstore, stage prod)", log);
        Assert.Contains("Method request path: {id=7}", log);
        Assert.Contains("Method request query string: {color=red}", log);
        Assert.Contains("Stage variables: {version=v1}", log);
        Assert.Contains("""Method request body before transformations: {"name":"rex"}""", log);
        Assert.Contains($"Endpoint request URI: http://127.0.0.1:{backend.Port}/v1/pets/7?color=red (cluster pets, new connection)", log);
        string sentHeaders = Assert.Single(log, l => l.StartsWith("Endpoint request headers: ", StringComparison.Ordinal));
        Assert.Contains($"Host=127.0.0.1:{backend.Port}", sentHeaders, StringComparison.Ordinal);
        Assert.Contains("X-Trace=abc", sentHeaders, StringComparison.Ordinal);
        Assert.Contains("X-Forwarded-For=127.0.0.1", sentHeaders, StringComparison.Ordinal);
        Assert.Single(log, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^Received response\. Status: 201, Integration latency: [\d.]+ ms$"));
        Assert.Contains(log, l => l.StartsWith("Endpoint response headers: {", StringComparison.Ordinal) && l.Contains("X-Backend=yes", StringComparison.Ordinal));
        Assert.Equal("Method completed with status: 201", log[^1]);
    }

    [Fact]
    public async Task CachedThrottledRoute_LogsTheThrottleDecisionAndTheCacheMissAndStore()
    {
        using var backend = new OneShotBackend("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        using var file = TempFile.Json($$"""
            { "clusters": [ { "name": "pets", "destinations": [ "127.0.0.1:{{backend.Port}}" ] } ],
              "apis": [ { "name": "a", "stages": [ { "name": "s", "cache": { "enabled": true, "ttlSeconds": 120 }, "throttle": { "rateLimit": 5, "burstLimit": 10 } } ],
                "routes": [ { "key": "GET /pets", "integration": { "type": "http", "cluster": "pets" } } ] } ] }
            """);
        await using var run = GatewayProcess.Start(["test-invoke", "--config", file.Path, "GET", "/s/pets"]);
        Assert.Equal(0, await run.WaitForExitAsync(Timeout));
        Assert.StartsWith("GET /pets HTTP/1.1\r\n", await backend.Received.WaitAsync(Timeout), StringComparison.Ordinal);
        string[] log = LogOf(run.Output);
        Assert.Contains("Access: allowed (API key, throttles and quota); tightest bucket 9 of 10 token(s) left", log);
        int miss = Array.IndexOf(log, "Cache: miss, fetching");
        int received = Array.FindIndex(log, l => l.StartsWith("Received response. Status: 200", StringComparison.Ordinal));
        int stored = Array.IndexOf(log, "Cache: response stored for 120 s");
        Assert.True(miss >= 0 && received > miss && stored > received, string.Join('\n', log));
    }

    [Fact]
    public async Task ApiKeyRequired_WithoutAKey_Is403_WithTheAccessDecisionInTheLog_AndTheStateFileUntouched()
    {
        string directory = EmptyDirectory();
        string state = Path.Combine(directory, "state.json");
        using var file = TempFile.Json($$"""
            { "state": { "path": "{{state}}" },
              "apis": [ { "name": "a", "stages": [ { "name": "s" } ],
                "routes": [ { "key": "GET /x", "apiKeyRequired": true, "integration": { "type": "mock", "body": "x" } } ] } ] }
            """);
        await using var run = GatewayProcess.Start(["test-invoke", "--config", file.Path, "GET", "/s/x"]);
        Assert.Equal(0, await run.WaitForExitAsync(Timeout));
        Assert.Contains("\nStatus: 403\n", run.Output, StringComparison.Ordinal);
        string[] log = LogOf(run.Output);
        Assert.Contains("API key required: yes", log);
        Assert.Contains(log, l => l.StartsWith("Access: refused, 403", StringComparison.Ordinal));
        Assert.Contains(log, l => l.StartsWith("Gateway response: 403 Forbidden", StringComparison.Ordinal));
        Assert.False(File.Exists(state), "test-invoke wrote the configured state file");
    }

    [Fact]
    public async Task DeadBackend_Is502_AndTheLogSaysWhy()
    {
        using var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        int port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        using var file = TempFile.Json($$"""
            { "clusters": [ { "name": "gone", "destinations": [ "127.0.0.1:{{port}}" ], "retries": 0 } ],
              "apis": [ { "name": "a", "stages": [ { "name": "$default" } ],
                "routes": [ { "key": "GET /x", "integration": { "type": "http", "cluster": "gone" } } ] } ] }
            """);
        await using var run = GatewayProcess.Start(["test-invoke", "--config", file.Path, "--stage", "$default", "GET", "/x"]);
        Assert.Equal(0, await run.WaitForExitAsync(Timeout));
        Assert.Contains("\nStatus: 502\n", run.Output, StringComparison.Ordinal);
        Assert.Contains(LogOf(run.Output), l => l.StartsWith($"Integration: no connection to cluster gone (127.0.0.1:{port})", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("--stage nope GET /x", "edgegw test-invoke: no API has a stage named 'nope'")]
    [InlineData("--config /nonexistent/edgegw.json GET /x", "edgegw test-invoke: config file not found: /nonexistent/edgegw.json")]
    public async Task BadStageOrConfig_IsOneLineAndExitOne(string args, string error)
    {
        await using var run = GatewayProcess.Start(["test-invoke", .. args.Split(' ')], workingDirectory: EmptyDirectory());
        Assert.Equal(1, await run.WaitForExitAsync(Timeout));
        Assert.Equal(error, run.Output);
    }

    private static string[] LogOf(string output) =>
        [.. output[(output.IndexOf("\nLogs\n", StringComparison.Ordinal) + 6)..].Split('\n').Select(l => l[(l.IndexOf(" : ", StringComparison.Ordinal) + 3)..])];

    private static string EmptyDirectory()
    {
        string path = Path.Combine(Path.GetTempPath(), $"edgegw-empty-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>A backend for one request: records the request (head and Content-Length body) and sends a fixed answer.</summary>
    private sealed class OneShotBackend : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly TaskCompletionSource<string> _received = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public OneShotBackend(string response)
        {
            _listener.Start();
            _ = ServeAsync(response);
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public Task<string> Received => _received.Task;

        private async Task ServeAsync(string response)
        {
            try
            {
                using var client = await _listener.AcceptTcpClientAsync();
                var stream = client.GetStream();
                var bytes = new List<byte>();
                var buffer = new byte[4096];
                int headEnd = -1;
                int length = 0;
                while (headEnd < 0 || bytes.Count < headEnd + length)
                {
                    int read = await stream.ReadAsync(buffer);
                    if (read == 0)
                    {
                        break;
                    }

                    bytes.AddRange(buffer.AsSpan(0, read));
                    if (headEnd < 0)
                    {
                        string text = Encoding.Latin1.GetString([.. bytes]);
                        int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
                        if (end >= 0)
                        {
                            headEnd = end + 4;
                            var match = System.Text.RegularExpressions.Regex.Match(text[..end], @"(?im)^content-length:\s*(\d+)");
                            length = match.Success ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
                        }
                    }
                }

                _received.TrySetResult(Encoding.Latin1.GetString([.. bytes]));
                await stream.WriteAsync(Encoding.ASCII.GetBytes(response));
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                _received.TrySetException(e);
            }
        }

        public void Dispose() => _listener.Stop();
    }
}
