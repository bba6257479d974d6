using System.Collections.Concurrent;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Authorizers;

/// <summary>
/// Request authorizers through the real gateway against an authorizer endpoint the test runs: simple and IAM policy
/// answers, denial 403, timeout and nonsense 500, missing identity 401 without a call, results cached by identity
/// (calls counted), TTL 0, concurrent misses sharing one call, the API key from usageIdentifierKey (apiKeySource
/// AUTHORIZER) and from the header only (HEADER).
/// </summary>
public sealed class RequestAuthorizerTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<JsonDocument> _events = new();
    private UpstreamServer _authorizer = null!;
    private UpstreamServer _backend = null!;
    private TestGateway _gateway = null!;
    private HttpClient _client = null!;
    private int _calls;
    // The "slow" authorizer answers only after the test is over (past any timeout); "shared" answers once the test
    // saw all its concurrent requests reach the gateway. Signals, not sleeps.
    private readonly TaskCompletionSource _testOver = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _allArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _logPath = Path.Combine(Path.GetTempPath(), $"edgegw-authz-{Guid.NewGuid():N}.log");

    public async Task InitializeAsync()
    {
        _authorizer = UpstreamServer.StartPerRequest(async (context, request) =>
        {
            Interlocked.Increment(ref _calls);
            var document = JsonDocument.Parse(request.Body!);
            _events.Enqueue(document);
            string token = document.RootElement.GetProperty("identitySource") is { ValueKind: JsonValueKind.Array } sources ? sources[0].GetString()! : "";
            switch (token)
            {
                case "slow":
                    await _testOver.Task;
                    await context.RespondAsync(200, """{"isAuthorized":true}""", ("Content-Type", "application/json"));
                    return;
                case "shared":
                    await _allArrived.Task.WaitAsync(TimeSpan.FromSeconds(10));
                    break;
                case "nonsense":
                    await context.RespondAsync(200, "not json", ("Content-Type", "application/json"));
                    return;
            }

            string answer = request.Path switch
            {
                "/policy" when token is "nokey" or "anykey" => "{\"principalId\":\"p\"," + (token == "anykey" ? "\"usageIdentifierKey\":\"partner-api-key-0001\"," : "")
                    + "\"policyDocument\":{\"Version\":\"2012-10-17\",\"Statement\":[{\"Action\":\"execute-api:Invoke\",\"Effect\":\"Allow\",\"Resource\":\"*\"}]}}",
                "/simple" => "{\"isAuthorized\":" + (token is "allow" or "shared" ? "true" : "false") + ",\"context\":{\"tenant\":\"t1\",\"level\":3}}",
                _ => token == "allow"
                    ? """
                      {"principalId":"partner-7","usageIdentifierKey":"partner-api-key-0001",
                       "policyDocument":{"Version":"2012-10-17","Statement":[
                         {"Action":"execute-api:Invoke","Effect":"Allow","Resource":"arn:aws:execute-api:*:*:partners/prod/GET/policy/*"},
                         {"Action":"execute-api:Invoke","Effect":"Deny","Resource":["arn:aws:execute-api:*:*:partners/prod/GET/policy/secret"]}]},
                       "context":{"plan":"gold"}}
                      """
                    : """{"principalId":"x","policyDocument":{"Version":"2012-10-17","Statement":[{"Action":"execute-api:Invoke","Effect":"Deny","Resource":"*"}]}}""",
            };
            await context.RespondAsync(200, answer, ("Content-Type", "application/json"));
        });
        _backend = UpstreamServer.StartPerRequest((context, request) => context.RespondAsync(
            200, $"tenant={request.Header("x-edgegw-authorizer-tenant")};principal={request.Header("x-edgegw-authorizer-principal-id")};plan={request.Header("x-edgegw-authorizer-plan")}"));
        _gateway = await TestGateway.StartAsync($$"""
            {
              "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 2 },
              "clusters": [ { "name": "up", "destinations": ["{{_backend.Authority}}"] }, { "name": "auth", "destinations": ["{{_authorizer.Authority}}"] } ],
              "usagePlans": [ { "name": "partners", "stages": ["partners/prod", "byheader/hdr"], "throttle": { "rateLimit": 1000, "burstLimit": 1000 } } ],
              "apiKeys": { "keys": [ { "id": "partner-7", "value": "partner-api-key-0001", "usagePlans": ["partners"] } ] },
              "apis": [
                { "name": "partners", "apiKeySource": "AUTHORIZER",
                  "authorizers": [
                    { "name": "simple", "type": "request", "identitySource": ["$request.header.X-Token"],
                      "integration": { "cluster": "auth", "uri": "/simple", "timeoutMs": 1000 },
                      "payloadFormatVersion": "2.0", "enableSimpleResponses": true, "resultTtlSeconds": 300 },
                    { "name": "uncached", "type": "request", "identitySource": "$request.header.X-Token",
                      "integration": { "cluster": "auth", "uri": "/simple" }, "enableSimpleResponses": true, "resultTtlSeconds": 0 },
                    { "name": "policy", "type": "request", "identitySource": ["$request.header.X-Token", "$request.querystring.sig"],
                      "integration": { "cluster": "auth", "uri": "/policy" } } ],
                  "stages": [ { "name": "prod", "accessLog": { "destination": {{JsonSerializer.Serialize(_logPath)}},
                    "format": "$context.requestId $context.routeKey $context.status p=$context.authorizer.principalId plan=$context.authorizer.plan s=$context.authorizer.status e=$context.authorizer.error" } } ],
                  "routes": [
                    { "key": "GET /simple/{proxy+}", "authorizer": "simple", "integration": { "type": "http", "cluster": "up" } },
                    { "key": "GET /uncached", "authorizer": "uncached", "integration": { "type": "http", "cluster": "up" } },
                    { "key": "GET /policy/{proxy+}", "authorizer": "policy", "apiKeyRequired": true, "integration": { "type": "http", "cluster": "up" } } ] },
                { "name": "byheader",
                  "authorizers": [ { "name": "policy", "type": "request", "identitySource": "$request.header.X-Token", "integration": { "cluster": "auth", "uri": "/policy" } } ],
                  "stages": [ { "name": "hdr" } ],
                  "routes": [ { "key": "GET /keyed", "authorizer": "policy", "apiKeyRequired": true, "integration": { "type": "http", "cluster": "up" } } ] }
              ]
            }
            """);
        _client = _gateway.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _testOver.TrySetResult();
        _allArrived.TrySetResult();
        _client.Dispose();
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
        await _authorizer.DisposeAsync();
        File.Delete(_logPath);
    }

    private string[] LogLines()
    {
        if (!File.Exists(_logPath))
        {
            return [];
        }

        using var stream = new FileStream(_logPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string text = reader.ReadToEnd();
        return text.Length == 0 ? [] : text.TrimEnd('\n').Split('\n');
    }

    private int Calls => Volatile.Read(ref _calls);

    private async Task<(HttpStatusCode Status, string Body)> GetAsync(string path, string? token, string? apiKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Token", token);
        }

        if (apiKey is not null)
        {
            request.Headers.TryAddWithoutValidation("x-api-key", apiKey);
        }

        using var response = await _client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SimpleAllow_ReachesTheBackendWithTheContext_AndIsCachedByIdentity()
    {
        for (int i = 0; i < 5; i++)
        {
            var (status, body) = await GetAsync($"/prod/simple/items/{i}?q=a%20b", "allow");
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Equal("tenant=t1;principal=;plan=", body);
        }

        Assert.Equal(1, Calls);
        Assert.True(_events.TryPeek(out var sent));
        var root = sent!.RootElement;
        Assert.Equal("2.0", root.GetProperty("version").GetString());
        Assert.Equal("REQUEST", root.GetProperty("type").GetString());
        Assert.Equal("arn:aws:execute-api:edgegw:000000000000:partners/prod/GET/simple/items/0", root.GetProperty("routeArn").GetString());
        Assert.Equal("GET /simple/{proxy+}", root.GetProperty("routeKey").GetString());
        Assert.Equal("/prod/simple/items/0", root.GetProperty("rawPath").GetString());
        Assert.Equal("q=a%20b", root.GetProperty("rawQueryString").GetString());
        Assert.Equal("a b", root.GetProperty("queryStringParameters").GetProperty("q").GetString());
        Assert.Equal("allow", root.GetProperty("headers").GetProperty("x-token").GetString());
        var context = root.GetProperty("requestContext");
        Assert.Equal(("GET", "127.0.0.1", "prod"), (context.GetProperty("http").GetProperty("method").GetString(), context.GetProperty("http").GetProperty("sourceIp").GetString(), context.GetProperty("stage").GetString()));
    }

    [Fact]
    public async Task SimpleDeny_Is403_AndReachesNothing()
    {
        var first = await GetAsync("/prod/simple/x", "deny");
        var second = await GetAsync("/prod/simple/x", "deny");

        Assert.Equal((HttpStatusCode.Forbidden, """{"message":"Forbidden"}"""), first);
        Assert.Equal(HttpStatusCode.Forbidden, second.Status);
        Assert.Equal(1, Calls); // the denial is cached too
        Assert.Equal(0, _backend.RequestsSeen);
    }

    [Theory]
    [InlineData("slow")]
    [InlineData("nonsense")]
    public async Task TimeoutOrNonsense_Is500(string token)
    {
        var (status, body) = await GetAsync("/prod/simple/x", token);

        Assert.Equal((HttpStatusCode.InternalServerError, """{"message":"Internal Server Error"}"""), (status, body));
        Assert.Equal(0, _backend.RequestsSeen);
    }

    [Fact]
    public async Task MissingIdentity_Is401_WithoutCallingTheAuthorizer()
    {
        var simple = await GetAsync("/prod/simple/x", token: null);
        var policy = await GetAsync("/prod/policy/pets", "allow"); // no ?sig=

        Assert.Equal((HttpStatusCode.Unauthorized, """{"message":"Unauthorized"}"""), simple);
        Assert.Equal(HttpStatusCode.Unauthorized, policy.Status);
        Assert.Equal(0, Calls);
    }

    [Fact]
    public async Task TtlZero_CallsTheAuthorizerForEveryRequest()
    {
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await GetAsync("/prod/uncached", "allow")).Status);
        }

        Assert.Equal(3, Calls);
        // The calls went over the cluster's pooled keep-alive connection: one connection for three calls.
        Assert.Equal(1, _authorizer.AcceptedConnections);
        Assert.Equal(1, _gateway.Runtime.Upstreams.Find("auth", _authorizer.Authority)!.OpenedConnections);
    }

    [Fact]
    public async Task PolicyAnswer_IsMatchedPerRoute_DenyWins_AndSuppliesTheApiKey()
    {
        var allowed = await GetAsync("/prod/policy/pets?sig=s1", "allow");
        var denied = await GetAsync("/prod/policy/secret?sig=s1", "allow");
        var otherIdentity = await GetAsync("/prod/policy/pets?sig=s2", "nobody");

        // The usage plan's key came from usageIdentifierKey (the client sent no x-api-key).
        Assert.Equal((HttpStatusCode.OK, "tenant=;principal=partner-7;plan=gold"), allowed);
        Assert.Equal(HttpStatusCode.Forbidden, denied.Status);
        Assert.Equal(HttpStatusCode.Forbidden, otherIdentity.Status);
        Assert.Equal(2, Calls);
        Assert.Equal(2, _events.Count(e => e.RootElement.GetProperty("identitySource").GetArrayLength() == 2));

        // $context.authorizer.* in the access log.
        string[] lines = [];
        await Eventually.TrueAsync(() => (lines = LogLines()).Length >= 3, TimeSpan.FromSeconds(20));
        Assert.EndsWith("GET /policy/{proxy+} 200 p=partner-7 plan=gold s=200 e=-", lines[0]);
        Assert.EndsWith("GET /policy/{proxy+} 403 p=- plan=- s=200 e=Forbidden: the authorizer denied the request", lines[1]);
    }

    [Fact]
    public async Task ApiKeySourceAuthorizer_TakesTheKeyFromTheAuthorizerOnly_NotTheClientsHeader()
    {
        // Allowed, but the answer names no usageIdentifierKey: the client's own valid x-api-key does not stand in.
        var withoutKey = await GetAsync("/prod/policy/pets?sig=s3", "nokey", apiKey: "partner-api-key-0001");
        var keyed = await GetAsync("/prod/policy/pets?sig=s4", "anykey");

        Assert.Equal(HttpStatusCode.Forbidden, withoutKey.Status);
        Assert.Equal(HttpStatusCode.OK, keyed.Status);
        Assert.Equal(1, _backend.RequestsSeen);
    }

    [Fact]
    public async Task ApiKeySourceHeader_TakesTheKeyFromTheHeaderOnly_NotTheAuthorizersAnswer()
    {
        // The default (HEADER): the authorizer's usageIdentifierKey is not a key; the client's header is.
        var authorizerKeyOnly = await GetAsync("/hdr/keyed", "anykey");
        var headerKey = await GetAsync("/hdr/keyed", "nokey", apiKey: "partner-api-key-0001");
        var badHeaderKey = await GetAsync("/hdr/keyed", "anykey", apiKey: "not-a-key-of-any-plan");

        Assert.Equal(HttpStatusCode.Forbidden, authorizerKeyOnly.Status);
        Assert.Equal(HttpStatusCode.OK, headerKey.Status);
        Assert.Equal(HttpStatusCode.Forbidden, badHeaderKey.Status);
        Assert.Equal(2, Calls); // both identities called once, the third request from the cache
        Assert.Equal(1, _backend.RequestsSeen);
    }

    [Fact]
    public async Task ConcurrentMisses_WithTheSameIdentity_ShareOneCall()
    {
        var requests = Enumerable.Range(0, 8).Select(_ => GetAsync("/prod/simple/x", "shared")).ToArray();
        // The one call is held until all eight requests are in the gateway (eight connections, one call made).
        Assert.True(await Eventually.TrueAsync(() => _gateway.Runtime.ActiveConnections >= 8 && Calls == 1), "eight requests in, one call");
        _allArrived.TrySetResult();
        var results = await Task.WhenAll(requests);

        Assert.All(results, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Equal(1, Calls);
    }
}

/// <summary>A request authorizer's cluster behaves as an integration's: a refused destination is retried on the next one and ejected.</summary>
public sealed class RequestAuthorizerClusterTests
{
    [Fact]
    public async Task RefusedDestination_IsRetriedOnTheNext_AndEjected_SoEveryCallIsAnswered()
    {
        int calls = 0;
        await using var authorizer = UpstreamServer.StartPerRequest((context, _) =>
        {
            Interlocked.Increment(ref calls);
            return context.RespondAsync(200, """{"isAuthorized":true}""", ("Content-Type", "application/json"));
        });
        await using var backend = UpstreamServer.StartPerRequest((context, _) => context.RespondAsync(200, "ok"));
        int dead = Admin.StatusAdminTests.DeadPort();
        await using var gateway = await TestGateway.StartAsync($$"""
            {
              "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 2 },
              "clusters": [ { "name": "up", "destinations": ["{{backend.Authority}}"] },
                            { "name": "auth", "destinations": ["127.0.0.1:{{dead}}", "{{authorizer.Authority}}"], "retries": 1,
                              "health": { "consecutiveFailures": 1, "reactivationSeconds": 60 } } ],
              "apis": [ { "name": "a", "stages": [ { "name": "prod" } ],
                "authorizers": [ { "name": "r", "type": "request", "identitySource": "$request.header.X-Token",
                                   "integration": { "cluster": "auth", "uri": "/authorize" }, "enableSimpleResponses": true, "resultTtlSeconds": 0 } ],
                "routes": [ { "key": "GET /x", "authorizer": "r", "integration": { "type": "http", "cluster": "up" } } ] } ]
            }
            """);
        using var client = gateway.CreateClient();

        for (int i = 0; i < 4; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/prod/x");
            request.Headers.TryAddWithoutValidation("X-Token", "t");
            using var response = await client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(4, Volatile.Read(ref calls));
        var refused = gateway.Runtime.Upstreams.Find("auth", $"127.0.0.1:{dead}")!;
        Assert.Equal(1, refused.ConnectErrors); // tried once, then ejected: the other calls went straight to the live one
        Assert.False(refused.IsHealthy(EdgeGw.Transport.LoopClock.Now(gateway.Runtime.Time)));
    }
}
