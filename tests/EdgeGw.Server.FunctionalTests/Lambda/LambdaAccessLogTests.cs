using System.Net;
using System.Text;
using System.Text.Json;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Lambda;

/// <summary>A Lambda route in the access log (integration status and latency as for http) and its body limit.</summary>
public sealed class LambdaAccessLogTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edgegw-lambda-log-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Config(InvokeShim shim) => $$"""
        {
          "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 2 },
          "accessLog": { "destination": {{JsonSerializer.Serialize(Path.Combine(_directory, "access.log"))}}, "format": "json" },
          "apis": [ { "name": "pets", "stages": [ { "name": "prod" } ],
            "routes": [ { "key": "ANY /{proxy+}", "maxBodyBytes": 16, "integration": { "type": "lambda", "function": "{{shim.Url}}" } } ] } ]
        }
        """;

    [NodeLambdaFact]
    public async Task LambdaRequests_LogTheInvokeStatusAndLatency_AndTheAnswersStatus()
    {
        await using var shim = await InvokeShim.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Config(shim));
        using var client = gateway.CreateClient();
        using var ok = await client.GetAsync("/prod/x/string");
        using var failed = await client.GetAsync("/prod/x/throw");
        string okId = string.Join(",", ok.Headers.GetValues("X-Request-Id"));
        string failedId = string.Join(",", failed.Headers.GetValues("X-Request-Id"));

        string path = Path.Combine(_directory, "access.log");
        string[] lines = [];
        Assert.True(await Eventually.TrueAsync(() => (lines = ReadLines(path)).Length >= 2, TimeSpan.FromSeconds(20)), "two access log lines");
        var byId = lines.Select(l => JsonDocument.Parse(l).RootElement).ToDictionary(r => r.GetProperty("requestId").GetString()!);

        var answered = byId[okId];
        Assert.Equal("200", answered.GetProperty("status").GetString());
        Assert.Equal("200", answered.GetProperty("integrationStatus").GetString());
        Assert.True(long.Parse(answered.GetProperty("integrationLatency").GetString()!, System.Globalization.CultureInfo.InvariantCulture) >= 0);
        Assert.Equal("ANY /{proxy+}", answered.GetProperty("routeKey").GetString());
        var threw = byId[failedId];
        Assert.Equal("502", threw.GetProperty("status").GetString());
        // The Invoke API answered (200, with X-Amz-Function-Error): the function failed, not the call.
        Assert.Equal("200", threw.GetProperty("integrationStatus").GetString());
        Assert.True(long.Parse(threw.GetProperty("integrationLatency").GetString()!, System.Globalization.CultureInfo.InvariantCulture) >= 0);
    }

    [NodeLambdaFact]
    public async Task ABodyOverMaxBodyBytes_Is413_DeclaredOrChunked_AndABodyAtTheLimitGoesThrough()
    {
        await using var shim = await InvokeShim.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Config(shim));
        await using var declared = await gateway.ConnectRawAsync();
        await using var chunked = await gateway.ConnectRawAsync();

        await declared.SendAsync("POST /prod/x/echo HTTP/1.1\r\nHost: gw\r\nContent-Type: text/plain\r\nContent-Length: 17\r\n\r\n12345678901234567");
        await chunked.SendAsync("POST /prod/x/echo HTTP/1.1\r\nHost: gw\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n11\r\n12345678901234567\r\n0\r\n\r\n");

        Assert.Equal(413, (await declared.ReadResponseAsync()).Status);
        Assert.Equal(413, (await chunked.ReadResponseAsync()).Status);
        await using var within = await gateway.ConnectRawAsync();
        await within.SendAsync("POST /prod/x/echo HTTP/1.1\r\nHost: gw\r\nContent-Type: text/plain\r\nContent-Length: 16\r\n\r\n1234567890123456");
        var response = await within.ReadResponseAsync();
        Assert.Equal(200, response.Status);
        using var document = JsonDocument.Parse(response.Body);
        Assert.Equal("1234567890123456", document.RootElement.GetProperty("event").GetProperty("body").GetString());
    }

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
}
