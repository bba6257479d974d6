using System.Text.Json;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.GatewayResponses;

/// <summary>
/// <c>gatewayResponses</c> through the real gateway: every answer type EdgeGw produces today, replaced per API
/// (status, headers, <c>$context</c> body), AWS's fallback to DEFAULT_4XX/DEFAULT_5XX, and the built-in answers
/// where nothing is configured or the request never reached an API (parse-level 400s stay fixed and close).
/// </summary>
public sealed class GatewayResponseTests : IDisposable
{
    private const string Key = "gr-key-0123456789abcdefghij";
    private readonly string _statePath = Path.Combine(Path.GetTempPath(), $"edgegw-gr-{Guid.NewGuid():N}.json");

    public void Dispose() => File.Delete(_statePath);

    private static string Response(string type, string extra = "") =>
        $$"""
        "{{type}}": { {{extra}} "headers": { "X-Gr": "{{type}}" },
          "body": "{\"type\":\"$context.error.responseType\",\"message\":\"$context.error.message\",\"requestId\":\"$context.requestId\",\"path\":\"$context.path\",\"status\":$context.status}" }
        """;

    private string Config(string echo, string stalling, int refused) => $$"""
        {
          "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 2 },
          "state": { "path": "{{_statePath.Replace("\\", "\\\\", StringComparison.Ordinal)}}", "flushIntervalSeconds": 3600 },
          "clusters": [
            { "name": "up", "destinations": ["{{echo}}"] },
            { "name": "dead", "destinations": ["127.0.0.1:{{refused}}"] },
            { "name": "slow", "destinations": ["{{stalling}}"], "responseTimeoutMs": 300 } ],
          "usagePlans": [ { "name": "p", "stages": ["gr/prod"], "quota": { "limit": 1, "period": "DAY" } } ],
          "apiKeys": { "keys": [ { "id": "k", "value": "{{Key}}", "usagePlans": ["p"] } ] },
          "apis": [
            { "name": "gr",
              "gatewayResponses": {
                {{Response("RESOURCE_NOT_FOUND")}},
                {{Response("REQUEST_TOO_LARGE")}},
                {{Response("INVALID_API_KEY")}},
                {{Response("THROTTLED", "\"statusCode\": 503,")}},
                {{Response("QUOTA_EXCEEDED")}},
                {{Response("INTEGRATION_FAILURE")}},
                {{Response("INTEGRATION_TIMEOUT")}},
                {{Response("ACCESS_DENIED")}} },
              "stages": [ { "name": "prod" } ],
              "routes": [
                { "key": "GET /echo", "integration": { "type": "http", "cluster": "up" } },
                { "key": "POST /small", "maxBodyBytes": 10, "integration": { "type": "http", "cluster": "up" } },
                { "key": "GET /keyed", "apiKeyRequired": true, "integration": { "type": "mock", "body": "keyed" } },
                { "key": "GET /throttled", "throttle": { "rateLimit": 0.01, "burstLimit": 1 }, "integration": { "type": "mock", "body": "t" } },
                { "key": "GET /dead", "integration": { "type": "http", "cluster": "dead" } },
                { "key": "GET /slow", "integration": { "type": "http", "cluster": "slow" } },
                { "key": "GET /private", "sourceIp": { "allow": ["10.0.0.0/8"] }, "integration": { "type": "http", "cluster": "up" } } ] },
            { "name": "fb", "hosts": ["fallback.test"],
              "gatewayResponses": {
                "DEFAULT_4XX": { "headers": { "Content-Type": "text/plain", "X-Gr": "DEFAULT_4XX" }, "body": "4xx $context.error.responseType $context.status" },
                "DEFAULT_5XX": { "headers": { "X-Gr": "DEFAULT_5XX" }, "body": "{\"fault\":\"$context.error.responseType\"}" } },
              "stages": [ { "name": "prod" } ],
              "routes": [
                { "key": "POST /small", "maxBodyBytes": 10, "integration": { "type": "http", "cluster": "up" } },
                { "key": "GET /dead", "integration": { "type": "http", "cluster": "dead" } },
                { "key": "GET /throttled", "throttle": { "rateLimit": 0.01, "burstLimit": 1 }, "integration": { "type": "mock", "body": "t" } } ] },
            { "name": "plain", "hosts": ["plain.test"], "stages": [ { "name": "prod" } ],
              "routes": [ { "key": "GET /dead", "integration": { "type": "http", "cluster": "dead" } } ] }
          ]
        }
        """;

    private sealed class Fixture : IAsyncDisposable
    {
        public required UpstreamServer Echo { get; init; }
        public required UpstreamServer Stalling { get; init; }
        public required TestGateway Gateway { get; init; }

        public async ValueTask DisposeAsync()
        {
            await Gateway.DisposeAsync();
            await Echo.DisposeAsync();
            await Stalling.DisposeAsync();
        }
    }

    private async Task<Fixture> StartAsync()
    {
        var echo = Upstreams.Echo();
        var stalling = Upstreams.Stalling();
        var gateway = await TestGateway.StartAsync(Config(echo.Authority, stalling.Authority, Upstreams.RefusedPort()));
        return new Fixture { Echo = echo, Stalling = stalling, Gateway = gateway };
    }

    private static async Task<RawResponse> SendAsync(TestGateway gateway, string request)
    {
        await using var client = await gateway.ConnectRawAsync();
        await client.SendAsync(request);
        return await client.ReadResponseAsync();
    }

    private static string Get(string path, string host = "gw", string headers = "") => $"GET {path} HTTP/1.1\r\nHost: {host}\r\nX-Request-Id: rid-{path.GetHashCode(StringComparison.Ordinal):x}\r\n{headers}\r\n";

    private static void AssertConfigured(RawResponse response, int status, string type, string message, string path)
    {
        Assert.Equal(status, response.Status);
        Assert.Equal(type, response.Header("x-gr"));
        Assert.Equal("application/json", response.Header("content-type"));
        using var json = JsonDocument.Parse(response.Body);
        Assert.Equal(type, json.RootElement.GetProperty("type").GetString());
        Assert.Equal(message, json.RootElement.GetProperty("message").GetString());
        Assert.Equal(response.Header("x-request-id"), json.RootElement.GetProperty("requestId").GetString());
        Assert.Equal(path, json.RootElement.GetProperty("path").GetString());
        Assert.Equal(status, json.RootElement.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task EveryAnswerTypeOfTheApi_IsItsConfiguredResponse()
    {
        await using var f = await StartAsync();
        var gateway = f.Gateway;

        // RESOURCE_NOT_FOUND: no route; the API is the one without host bindings. The path is JSON-escaped.
        AssertConfigured(await SendAsync(gateway, Get("/prod/nothing\"here")), 404, "RESOURCE_NOT_FOUND", "Not Found", "/prod/nothing\"here");
        AssertConfigured(
            await SendAsync(gateway, "POST /prod/small HTTP/1.1\r\nHost: gw\r\nContent-Length: 11\r\n\r\nhello world"), 413, "REQUEST_TOO_LARGE", "Request Entity Too Large", "/prod/small");
        AssertConfigured(await SendAsync(gateway, Get("/prod/keyed")), 403, "INVALID_API_KEY", "Forbidden", "/prod/keyed");
        AssertConfigured(await SendAsync(gateway, Get("/prod/dead")), 502, "INTEGRATION_FAILURE", "Bad Gateway", "/prod/dead");
        AssertConfigured(await SendAsync(gateway, Get("/prod/slow")), 504, "INTEGRATION_TIMEOUT", "Gateway Timeout", "/prod/slow");
        AssertConfigured(await SendAsync(gateway, Get("/prod/private")), 403, "ACCESS_DENIED", "Forbidden", "/prod/private");
        Assert.Equal(0, f.Echo.RequestsSeen);
    }

    [Fact]
    public async Task Throttled_GetsItsStatusHeadersAndBody_AndKeepsRetryAfterAndRateLimit()
    {
        await using var f = await StartAsync();
        Assert.Equal(200, (await SendAsync(f.Gateway, Get("/prod/throttled"))).Status);

        var refused = await SendAsync(f.Gateway, Get("/prod/throttled"));

        AssertConfigured(refused, 503, "THROTTLED", "Too Many Requests", "/prod/throttled");
        Assert.True(int.Parse(refused.Header("retry-after")!, System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.Equal("1", refused.Header("ratelimit-limit"));
        Assert.Equal("0", refused.Header("ratelimit-remaining"));
        Assert.NotNull(refused.Header("ratelimit-reset"));
    }

    [Fact]
    public async Task QuotaExceeded_IsItsOwnType_WithRetryAfter()
    {
        await using var f = await StartAsync();
        string keyed = $"x-api-key: {Key}\r\n";
        Assert.Equal(200, (await SendAsync(f.Gateway, Get("/prod/keyed", headers: keyed))).Status);

        var refused = await SendAsync(f.Gateway, Get("/prod/keyed", headers: keyed));

        AssertConfigured(refused, 429, "QUOTA_EXCEEDED", "Limit Exceeded", "/prod/keyed");
        Assert.NotNull(refused.Header("retry-after"));
    }

    [Fact]
    public async Task WithoutItsType_Default4xxAndDefault5xxApply()
    {
        await using var f = await StartAsync();

        var tooLarge = await SendAsync(f.Gateway, "POST /prod/small HTTP/1.1\r\nHost: fallback.test\r\nContent-Length: 11\r\n\r\nhello world");
        var dead = await SendAsync(f.Gateway, Get("/prod/dead", "fallback.test"));
        var missing = await SendAsync(f.Gateway, Get("/prod/none", "fallback.test:8080"));
        Assert.Equal(200, (await SendAsync(f.Gateway, Get("/prod/throttled", "fallback.test"))).Status);
        var throttled = await SendAsync(f.Gateway, Get("/prod/throttled", "fallback.test"));

        Assert.Equal((413, "DEFAULT_4XX", "text/plain", "4xx REQUEST_TOO_LARGE 413"), (tooLarge.Status, tooLarge.Header("x-gr"), tooLarge.Header("content-type"), tooLarge.BodyText));
        Assert.Equal((502, "DEFAULT_5XX", """{"fault":"INTEGRATION_FAILURE"}"""), (dead.Status, dead.Header("x-gr"), dead.BodyText));
        Assert.Equal((404, "4xx RESOURCE_NOT_FOUND 404"), (missing.Status, missing.BodyText));
        // The access step's own headers stay under a DEFAULT_4XX.
        Assert.Equal((429, "4xx THROTTLED 429"), (throttled.Status, throttled.BodyText));
        Assert.NotNull(throttled.Header("retry-after"));
    }

    [Fact]
    public async Task WithoutGatewayResponses_TheBuiltInAnswersStay()
    {
        await using var f = await StartAsync();

        var dead = await SendAsync(f.Gateway, Get("/prod/dead", "plain.test"));
        var missing = await SendAsync(f.Gateway, Get("/prod/none", "plain.test"));

        Assert.Equal((502, """{"message":"Bad Gateway"}""", null), (dead.Status, dead.BodyText, dead.Header("x-gr")));
        Assert.Equal((404, """{"message":"Not Found"}"""), (missing.Status, missing.BodyText));
    }

    [Fact]
    public async Task ParseLevelRejection_StaysFixedAndCloses()
    {
        await using var f = await StartAsync();
        await using var client = await f.Gateway.ConnectRawAsync();

        await client.SendAsync("GET /prod/echo HTTP/1.1\r\nHost: gw\r\nBad Header: x\r\n\r\n");
        var response = await client.ReadResponseAsync();

        Assert.Equal((400, """{"message":"Bad Request"}""", null), (response.Status, response.BodyText, response.Header("x-gr")));
        Assert.True(await client.IsClosedByServerAsync());
    }
}
