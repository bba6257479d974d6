using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Cors;

/// <summary>
/// <c>cors</c> through the real gateway: preflights answered by the gateway (no backend, no API key check), refused
/// ones without CORS headers, the API's headers on every actual response (the backend's replaced, the gateway's
/// own errors included), each response checked with the Fetch standard's rules as a browser applies them.
/// </summary>
public sealed class CorsTests : IAsyncLifetime
{
    private const string App = "https://app.example.com";
    private UpstreamServer _backend = null!;
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        // A backend with CORS headers of its own, which the API's configuration must replace.
        _backend = UpstreamServer.StartPerRequest((context, request) => context.RespondAsync(
            200, "backend", ("Access-Control-Allow-Origin", "*"), ("Access-Control-Allow-Methods", "DELETE"), ("X-Echo-Path", request.Path), ("Vary", "Accept")));
        _gateway = await TestGateway.StartAsync($$"""
            {
              "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 2 },
              "clusters": [ { "name": "up", "destinations": ["{{_backend.Authority}}"] } ],
              "apis": [
                { "name": "c",
                  "cors": { "allowOrigins": ["{{App}}", "https://*.example.org"], "allowMethods": ["GET", "POST", "PUT"],
                            "allowHeaders": ["authorization", "content-type", "x-custom"], "exposeHeaders": ["x-request-id", "x-echo-path"],
                            "maxAge": 600, "allowCredentials": true },
                  "stages": [ { "name": "prod" } ],
                  "routes": [
                    { "key": "GET /items", "integration": { "type": "http", "cluster": "up" } },
                    { "key": "PUT /items", "integration": { "type": "http", "cluster": "up" } },
                    { "key": "ANY /keyed/{proxy+}", "apiKeyRequired": true, "integration": { "type": "http", "cluster": "up" } },
                    { "key": "POST /small", "maxBodyBytes": 4, "integration": { "type": "http", "cluster": "up" } } ] },
                { "name": "star", "hosts": ["star.test"],
                  "cors": { "allowOrigins": ["*"], "allowMethods": ["*"], "allowHeaders": ["*"] },
                  "stages": [ { "name": "prod" } ],
                  "routes": [ { "key": "GET /items", "integration": { "type": "http", "cluster": "up" } } ] },
                { "name": "none", "hosts": ["none.test"], "stages": [ { "name": "prod" } ],
                  "routes": [ { "key": "GET /items", "integration": { "type": "http", "cluster": "up" } } ] }
              ]
            }
            """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    private async Task<RawResponse> SendAsync(string request)
    {
        await using var client = await _gateway.ConnectRawAsync();
        await client.SendAsync(request);
        return await client.ReadResponseAsync();
    }

    private static string Get(string path, string host = "gw", string? origin = App, string method = "GET") =>
        $"{method} {path} HTTP/1.1\r\nHost: {host}\r\n{(origin is null ? "" : $"Origin: {origin}\r\n")}\r\n";

    private static bool HasCorsHeaders(RawResponse response) => response.Head.Headers.Any(h => h.Key.StartsWith("access-control-", StringComparison.OrdinalIgnoreCase));

    [Theory]
    [InlineData(App, "PUT", new[] { "Authorization", "X-Custom", "Content-Type" })]
    [InlineData("https://tenant.example.org", "GET", new[] { "x-custom" })]
    [InlineData("https://a.b.example.org", "POST", new string[0])]
    public async Task AllowedPreflight_IsAnsweredByTheGateway_AndPassesFetchsChecks(string origin, string method, string[] headers)
    {
        var response = await SendAsync(FetchCors.Preflight("/prod/items", "gw", origin, method, headers));

        Assert.Equal(204, response.Status);
        Assert.True(FetchCors.PreflightAccepted(response, origin, credentials: true, method, headers), response.Head.ToString());
        Assert.Equal(origin, response.Header("access-control-allow-origin"));
        Assert.Equal("true", response.Header("access-control-allow-credentials"));
        Assert.Equal("GET,POST,PUT", response.Header("access-control-allow-methods"));
        Assert.Equal("authorization,content-type,x-custom", response.Header("access-control-allow-headers"));
        Assert.Equal("600", response.Header("access-control-max-age"));
        Assert.Contains("Origin", response.Head.GetAll("vary"));
        Assert.Null(response.Header("content-length"));
        Assert.Equal(0, _backend.RequestsSeen);
    }

    [Fact]
    public async Task Preflight_SkipsTheApiKeyCheck_OnAnAnyRoute()
    {
        var response = await SendAsync(FetchCors.Preflight("/prod/keyed/x", "gw", App, "POST", "x-custom"));

        Assert.Equal(204, response.Status);
        Assert.True(FetchCors.PreflightAccepted(response, App, credentials: true, "POST", "x-custom"));
        Assert.Equal(0, _backend.RequestsSeen);
    }

    [Theory]
    [InlineData("https://evil.test", "GET", "")]
    [InlineData("https://example.org", "GET", "")]
    [InlineData("http://app.example.com", "GET", "")]
    [InlineData(App, "DELETE", "")]
    [InlineData(App, "PUT", "x-other")]
    public async Task RefusedPreflight_Gets204WithoutCorsHeaders_AndNoBackendCall(string origin, string method, string header)
    {
        string[] headers = header.Length == 0 ? [] : [header];
        var response = await SendAsync(FetchCors.Preflight("/prod/items", "gw", origin, method, headers));

        Assert.Equal(204, response.Status);
        Assert.False(HasCorsHeaders(response));
        Assert.False(FetchCors.PreflightAccepted(response, origin, credentials: true, method, headers));
        Assert.Contains("Origin", response.Head.GetAll("vary"));
        Assert.Equal(0, _backend.RequestsSeen);
    }

    [Fact]
    public async Task ActualResponse_CarriesTheApisHeaders_AndTheBackendsAreReplaced()
    {
        var response = await SendAsync(Get("/prod/items"));

        Assert.Equal(200, response.Status);
        Assert.True(FetchCors.CorsCheck(response, App, credentials: true));
        Assert.Equal([App], response.Head.GetAll("access-control-allow-origin"));
        Assert.Null(response.Header("access-control-allow-methods"));
        Assert.Equal("x-request-id,x-echo-path", response.Header("access-control-expose-headers"));
        Assert.Equal(["Accept", "Origin"], response.Head.GetAll("vary"));
        Assert.Equal("/items", response.Header("x-echo-path"));
    }

    [Fact]
    public async Task DisallowedOrigin_IsServedWithoutCorsHeaders()
    {
        var response = await SendAsync(Get("/prod/items", origin: "https://evil.test"));
        var noOrigin = await SendAsync(Get("/prod/items", origin: null));

        Assert.Equal((200, 200), (response.Status, noOrigin.Status));
        Assert.False(HasCorsHeaders(response));
        Assert.False(HasCorsHeaders(noOrigin));
        Assert.False(FetchCors.CorsCheck(response, "https://evil.test", credentials: false));
        Assert.Contains("Origin", noOrigin.Head.GetAll("vary"));
        Assert.Equal(2, _backend.RequestsSeen);
    }

    [Theory]
    [InlineData("GET /prod/keyed/x HTTP/1.1\r\nHost: gw\r\nOrigin: https://app.example.com\r\n\r\n", 403)]
    [InlineData("GET /prod/nothing HTTP/1.1\r\nHost: gw\r\nOrigin: https://app.example.com\r\n\r\n", 404)]
    [InlineData("POST /prod/small HTTP/1.1\r\nHost: gw\r\nOrigin: https://app.example.com\r\nContent-Length: 5\r\n\r\nhello", 413)]
    public async Task GatewayErrors_CarryTheCorsHeaders(string request, int status)
    {
        var response = await SendAsync(request);

        Assert.Equal(status, response.Status);
        Assert.True(FetchCors.CorsCheck(response, App, credentials: true));
        Assert.Equal("x-request-id,x-echo-path", response.Header("access-control-expose-headers"));
    }

    [Fact]
    public async Task AnyOrigin_SaysStar_AndEchoesTheRequestedHeaders()
    {
        var preflight = await SendAsync(FetchCors.Preflight("/prod/items", "star.test", App, "PATCH", "authorization", "x-anything"));
        var actual = await SendAsync(Get("/prod/items", "star.test"));

        Assert.True(FetchCors.PreflightAccepted(preflight, App, credentials: false, "PATCH", "authorization", "x-anything"));
        Assert.Equal("*", preflight.Header("access-control-allow-origin"));
        Assert.Equal("PATCH", preflight.Header("access-control-allow-methods"));
        Assert.Equal("authorization,x-anything", preflight.Header("access-control-allow-headers"));
        Assert.Null(preflight.Header("access-control-allow-credentials"));
        Assert.True(FetchCors.CorsCheck(actual, App, credentials: false));
        Assert.False(FetchCors.CorsCheck(actual, App, credentials: true));
        Assert.Equal(["Accept"], actual.Head.GetAll("vary"));
    }

    [Fact]
    public async Task WithoutCors_TheBackendsHeadersPass_AndOptionsIsNotAnswered()
    {
        var actual = await SendAsync(Get("/prod/items", "none.test"));
        var preflight = await SendAsync(FetchCors.Preflight("/prod/items", "none.test", App, "GET", "x-custom"));

        Assert.Equal("*", actual.Header("access-control-allow-origin"));
        Assert.Equal(404, preflight.Status);
        Assert.False(HasCorsHeaders(preflight));
    }

    [Fact]
    public async Task PreflightThenRequest_OnOneKeepAliveConnection()
    {
        await using var client = await _gateway.ConnectRawAsync();
        await client.SendAsync(FetchCors.Preflight("/prod/items", "gw", App, "PUT", "x-custom") + $"PUT /prod/items HTTP/1.1\r\nHost: gw\r\nOrigin: {App}\r\nX-Custom: 1\r\nContent-Length: 2\r\n\r\nhi");

        var preflight = await client.ReadResponseAsync();
        var actual = await client.ReadResponseAsync();

        Assert.Equal((204, 200), (preflight.Status, actual.Status));
        Assert.True(FetchCors.CorsCheck(actual, App, credentials: true));
        Assert.Equal(1, _backend.RequestsSeen);
        Assert.Equal("PUT", Assert.Single(_backend.Requests).Method);
    }
}
