using System.Net;
using System.Net.Http;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Lambda;

/// <summary>
/// Request authorizers whose integration is a Lambda function (<c>"type": "lambda"</c>), through the real gateway
/// against the Invoke-API shim running a JavaScript authorizer written as for AWS (<c>node/authorizer.js</c>):
/// allow (the backend reached, the context passed as the HTTP form passes it), deny 403, a function error, a
/// malformed or oversized answer and a timeout 500 with nothing reaching the backend, the result cache (one invoke for two
/// requests), payload format 1.0 with an IAM policy answer from a function given by ARN, and the invoke's SigV4
/// signature checked against botocore's.
/// </summary>
public sealed class LambdaRequestAuthorizerTests : IAsyncLifetime
{
    private InvokeShim _shim = null!;
    private UpstreamServer _backend = null!;
    private TestGateway _gateway = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        if (InvokeShim.MissingMessage is not null)
        {
            return;
        }

        _shim = await InvokeShim.StartAsync("authorizer.js");
        _backend = UpstreamServer.StartPerRequest((context, request) => context.RespondAsync(200,
            $"tenant={request.Header("x-edgegw-authorizer-tenant")};calls={request.Header("x-edgegw-authorizer-calls")};fn={request.Header("x-edgegw-authorizer-fn")}"
            + $";principal={request.Header("x-edgegw-authorizer-principal-id")};route={request.Header("x-edgegw-authorizer-route")}"));
        _gateway = await TestGateway.StartAsync($$"""
            {
              "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 2 },
              "clusters": [ { "name": "up", "destinations": ["{{_backend.Authority}}"] } ],
              "apis": [
                { "name": "partners",
                  "authorizers": [
                    { "name": "fn", "type": "request", "identitySource": ["$request.header.X-Token"],
                      "integration": { "type": "lambda", "function": "{{_shim.Url}}", "timeoutMs": 500 },
                      "payloadFormatVersion": "2.0", "enableSimpleResponses": true, "resultTtlSeconds": 300 },
                    { "name": "uncached", "type": "request", "identitySource": "$request.header.X-Token",
                      "integration": { "type": "lambda", "function": "{{_shim.Url}}", "timeoutMs": 500 },
                      "enableSimpleResponses": true, "resultTtlSeconds": 0 },
                    { "name": "policy", "type": "request", "identitySource": "$request.header.X-Token",
                      "integration": { "type": "lambda", "function": "arn:aws:lambda:eu-west-1:123456789012:function:auth", "endpoint": "{{_shim.Url}}" },
                      "payloadFormatVersion": "1.0", "resultTtlSeconds": 0 } ],
                  "stages": [ { "name": "prod" } ],
                  "routes": [
                    { "key": "GET /cached/{proxy+}", "authorizer": "fn", "integration": { "type": "http", "cluster": "up" } },
                    { "key": "GET /uncached", "authorizer": "uncached", "integration": { "type": "http", "cluster": "up" } },
                    { "key": "GET /policy", "authorizer": "policy", "integration": { "type": "http", "cluster": "up" } } ] } ]
            }
            """);
        _client = _gateway.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        if (_backend is not null)
        {
            await _backend.DisposeAsync();
        }

        if (_shim is not null)
        {
            await _shim.DisposeAsync();
        }
    }

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(string path, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Token", token);
        }

        using var response = await _client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [NodeLambdaFact]
    public async Task Allow_ReachesTheBackendWithTheFunctionsContext_AndOneInvokeServesTwoRequests()
    {
        var first = await GetAsync("/prod/cached/a", "alice");
        var second = await GetAsync("/prod/cached/b", "alice");
        var other = await GetAsync("/prod/cached/c", "bob");

        // The function counts its invokes and says so in its context: the second request was decided from the cache.
        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Matches("^tenant=t-alice;calls=(\\d+);fn=function;principal=;route=GET /cached/\\{proxy\\+\\}$", first.Body);
        Assert.Equal(first, second);
        int aliceCall = int.Parse(first.Body.Split(';')[1]["calls=".Length..]);
        int bobCall = int.Parse(other.Body.Split(';')[1]["calls=".Length..]);
        Assert.Equal(aliceCall + 1, bobCall);
        Assert.Equal(3, _backend.RequestsSeen);
    }

    [NodeLambdaFact]
    public async Task TtlZero_InvokesForEveryRequest()
    {
        var first = await GetAsync("/prod/uncached", "carol");
        var second = await GetAsync("/prod/uncached", "carol");

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(HttpStatusCode.OK, second.Status);
        int a = int.Parse(first.Body.Split(';')[1]["calls=".Length..]);
        int b = int.Parse(second.Body.Split(';')[1]["calls=".Length..]);
        Assert.Equal(a + 1, b);
    }

    [NodeLambdaFact]
    public async Task Deny_Is403_AndReachesNothing()
    {
        var simple = await GetAsync("/prod/cached/x", "deny");
        var policy = await GetAsync("/prod/policy", "deny");

        Assert.Equal((HttpStatusCode.Forbidden, """{"message":"Forbidden"}"""), simple);
        Assert.Equal((HttpStatusCode.Forbidden, """{"message":"Forbidden"}"""), policy);
        Assert.Equal(0, _backend.RequestsSeen);
    }

    [NodeLambdaTheory]
    [InlineData("throw")]     // X-Amz-Function-Error
    [InlineData("malformed")] // not an authorizer answer
    [InlineData("slow")]      // past timeoutMs
    [InlineData("huge")]      // over 150,000 bytes
    public async Task FunctionErrorMalformedOrTimeout_Is500_AndReachesNothing(string token)
    {
        var (status, body) = await GetAsync("/prod/cached/x", token);

        Assert.Equal((HttpStatusCode.InternalServerError, """{"message":"Internal Server Error"}"""), (status, body));
        Assert.Equal(0, _backend.RequestsSeen);

        // A failure is not cached: the next request with another identity is decided normally.
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("/prod/cached/x", "after-" + token)).Status);
    }

    [NodeLambdaFact]
    public async Task MissingIdentity_Is401_WithoutAnInvoke()
    {
        var before = await GetAsync("/prod/uncached", "dave");
        var missing = await GetAsync("/prod/uncached", token: null);
        var after = await GetAsync("/prod/uncached", "dave");

        Assert.Equal((HttpStatusCode.Unauthorized, """{"message":"Unauthorized"}"""), missing);
        int a = int.Parse(before.Body.Split(';')[1]["calls=".Length..]);
        int b = int.Parse(after.Body.Split(';')[1]["calls=".Length..]);
        Assert.Equal(a + 1, b);
    }

    [NodeLambdaFact]
    public async Task PayloadFormat10_PolicyAnswer_FromAFunctionGivenByArn()
    {
        var (status, body) = await GetAsync("/prod/policy", "erin");

        Assert.Equal(HttpStatusCode.OK, status);
        // The Invoke API was asked for the ARN's function name (as SAM local serves it); the principal and context passed on.
        Assert.Matches("^tenant=t-policy;calls=\\d+;fn=auth;principal=user-erin;route=$", body);
    }
}

/// <summary>A WebSocket API's $connect behind a Lambda request authorizer, the identity in the query string (what a browser can send).</summary>
public sealed class LambdaRequestAuthorizerConnectTests
{
    [NodeLambdaFact]
    public async Task Connect_IsAuthorizedByTheFunction_TheContextReachesTheConnectIntegration_AndTheAnswerIsCached()
    {
        await using var shim = await InvokeShim.StartAsync("authorizer.js");
        await using var backend = await WebSocketBackend.StartAsync();
        string config = GatewayConfigs.WebSocketApi(backend.Authority, connectExtra: "\"authorizer\": \"tickets\",")
            .Replace("\"protocol\": \"websocket\",", $$"""
                "protocol": "websocket",
                "authorizers": [ { "name": "tickets", "type": "request", "identitySource": "$request.querystring.ticket",
                                   "integration": { "type": "lambda", "function": "{{shim.Url}}" }, "enableSimpleResponses": true } ],
                """);
        await using var gateway = await TestGateway.StartAsync(config);

        foreach (string query in new[] { "", "?ticket=deny" })
        {
            using var refused = new ClientWebSocket();
            var error = await Assert.ThrowsAnyAsync<WebSocketException>(() => refused.ConnectAsync(new Uri($"ws://127.0.0.1:{gateway.Port}/prod{query}"), CancellationToken.None));
            Assert.Contains(query.Length == 0 ? "401" : "403", error.Message);
        }

        for (int i = 0; i < 2; i++)
        {
            using var client = new ClientWebSocket();
            await client.ConnectAsync(new Uri($"ws://127.0.0.1:{gateway.Port}/prod?ticket=room7"), CancellationToken.None);
            Assert.Equal(WebSocketState.Open, client.State);
            await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        }

        // Both connects reached the $connect integration (a CONNECT event each, once the connection closed at the latest).
        await Eventually.TrueAsync(() => backend.Events.Count(e => e.EventType == "CONNECT") == 2, TimeSpan.FromSeconds(20));
        var connects = backend.Events.Where(e => e.EventType == "CONNECT").ToList();
        Assert.All(connects, c => Assert.Equal("t-room7", c.Headers["x-edgegw-authorizer-tenant"]));
        // "deny" was the function's first invoke, "room7" its second; the second connect was decided from the cache.
        Assert.All(connects, c => Assert.Equal("2", c.Headers["x-edgegw-authorizer-calls"]));
    }
}

/// <summary>A theory that needs node for the Invoke-API shim; skipped with a message where it is missing.</summary>
public sealed class NodeLambdaTheoryAttribute : TheoryAttribute
{
    public NodeLambdaTheoryAttribute()
    {
        if (InvokeShim.MissingMessage is { } missing)
        {
            Skip = missing;
        }
    }
}
