using System.Net;
using System.Net.Http;
using System.Net.WebSockets;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Authorizers;

/// <summary>
/// JWT authorizers through the real gateway, with keys and tokens minted by npm jose and served by an OIDC issuer the
/// test runs: accepted tokens reach the backend with the identity headers (client-sent copies dropped), every refusal
/// is 401 with WWW-Authenticate and reaches nothing, scopes give 403, an unknown kid costs exactly one JWKS refresh.
/// The issuer's keys are fetched once for both authorizers naming it, when the config becomes current; each test starts
/// after that fetch (<see cref="GatewayRuntime.AuthorizerKeys"/>), so its first request finds the keys there.
/// </summary>
public sealed class JwtAuthorizerTests : IAsyncLifetime
{
    private JoseIssuer _issuer = null!;
    private UpstreamServer _backend = null!;
    private TestGateway _gateway = null!;
    private HttpClient _client = null!;
    private string _config = "";
    private const string Secret = "an-hmac-secret-of-at-least-32-bytes";
    private readonly string _secretFile = Path.Combine(Path.GetTempPath(), $"edgegw-hmac-{Guid.NewGuid():N}");

    public async Task InitializeAsync()
    {
        if (JoseAvailability.MissingMessage is not null)
        {
            return;
        }

        _issuer = await JoseIssuer.StartAsync("petstore", Secret);
        await File.WriteAllTextAsync(_secretFile, Secret + "\n");
        _backend = UpstreamServer.StartPerRequest((context, request) => context.RespondAsync(
            200, $"sub={request.Header("x-edgegw-authorizer-sub")};email={request.Header("x-edgegw-authorizer-email")};spoof={request.Header("x-edgegw-authorizer-role")}"));
        _config = $$"""
            {
              "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 2 },
              "clusters": [ { "name": "up", "destinations": ["{{_backend.Authority}}"] } ],
              "apis": [
                { "name": "petstore",
                  "authorizers": [
                    { "name": "users", "type": "jwt", "identitySource": "$request.header.Authorization",
                      "jwt": { "issuer": "{{_issuer.Issuer}}", "audience": ["petstore"] },
                      "forwardHeaders": { "claims": ["sub", "email"] } },
                    { "name": "hmac", "type": "jwt", "identitySource": "$request.header.Authorization",
                      "jwt": { "issuer": "{{_issuer.Issuer}}", "audience": "petstore", "secretFile": {{System.Text.Json.JsonSerializer.Serialize(_secretFile)}} } } ],
                  "stages": [ { "name": "prod" } ],
                  "routes": [
                    { "key": "GET /pets", "authorizer": "users", "authorizationScopes": ["pets.read"], "integration": { "type": "http", "cluster": "up" } },
                    { "key": "GET /any", "authorizer": "users", "integration": { "type": "http", "cluster": "up" } },
                    { "key": "GET /open", "integration": { "type": "http", "cluster": "up" } },
                    { "key": "GET /hmac", "authorizer": "hmac", "integration": { "type": "http", "cluster": "up" } } ] }
              ]
            }
            """;
        _gateway = await TestGateway.StartAsync(_config);
        await _gateway.Runtime.AuthorizerKeys.WaitAsync(TimeSpan.FromSeconds(30));
        _client = _gateway.CreateClient();
    }

    private global::EdgeGw.Core.Authorizers.JwtAuthorizer Authorizer(string routeKey) =>
        (global::EdgeGw.Core.Authorizers.JwtAuthorizer)_gateway.Runtime.Current.Model.RouteList.Single(r => r.RouteKey == routeKey).Authorizer!.Authorizer;

    public async Task DisposeAsync()
    {
        if (_gateway is null)
        {
            return;
        }

        _client.Dispose();
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
        await _issuer.DisposeAsync();
        File.Delete(_secretFile);
    }

    private async Task<HttpResponseMessage> GetAsync(string path, string? token, params (string, string)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await _client.SendAsync(request);
    }

    [JoseTheory]
    [InlineData("valid")]
    [InlineData("es256")]
    [InlineData("scpArray")]
    public async Task AcceptedToken_ReachesTheBackend_WithIdentityHeaders_AndClientCopiesDropped(string name)
    {
        using var response = await GetAsync("/prod/pets", _issuer.Tokens[name], ("X-EdgeGw-Authorizer-Role", "admin"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string body = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("sub=user-1;", body);
        Assert.EndsWith(";spoof=", body);
        if (name == "valid")
        {
            Assert.Contains("email=user-1@example.com", body);
        }
    }

    [JoseFact]
    public async Task ClientIdStandsForAud_WhenTheTokenHasNone_AsAws()
    {
        using var accepted = await GetAsync("/prod/any", _issuer.Tokens["clientId"]);
        using var refused = await GetAsync("/prod/any", _issuer.Tokens["clientIdWrong"]);

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [JoseTheory]
    [InlineData("expired", "the token has expired")]
    [InlineData("notYetValid", "the token is not valid yet")]
    [InlineData("wrongIssuer", "the token's issuer is not accepted")]
    [InlineData("wrongAudience", "the token's audience is not accepted")]
    [InlineData("none", "the token's algorithm 'none' is not accepted")]
    [InlineData("hs256PublicKey", "the token's algorithm is not accepted")]
    [InlineData("tampered", "the token's signature is invalid")]
    public async Task RefusedToken_Is401WithWwwAuthenticate_AndReachesNothing(string name, string description)
    {
        using var response = await GetAsync("/prod/any", _issuer.Tokens[name]);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("""{"message":"Unauthorized"}""", await response.Content.ReadAsStringAsync());
        Assert.Equal($"Bearer error=\"invalid_token\", error_description=\"{description}\"", string.Join(",", response.Headers.GetValues("WWW-Authenticate")));
        Assert.Equal(0, _backend.RequestsSeen);
    }

    [JoseFact]
    public async Task Hs256_IsAcceptedOnlyWithTheConfiguredSecret()
    {
        using var accepted = await GetAsync("/prod/hmac", _issuer.Tokens["hs256Secret"]);
        using var wrongSecret = await GetAsync("/prod/hmac", _issuer.Tokens["hs256WrongSecret"]);
        Assert.Equal(1, _issuer.JwksFetches); // the issuer's one fetch when the config became current: an HS256 token needs no more
        using var elsewhere = await GetAsync("/prod/any", _issuer.Tokens["hs256Secret"]);

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongSecret.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, elsewhere.StatusCode); // the JWKS authorizer has no secret
    }

    [JoseFact]
    public async Task KeysAreFetchedOncePerIssuer_WhenTheConfigBecomesCurrent_BeforeAnyRequest()
    {
        // Two authorizers name the issuer (users by OIDC discovery, hmac too): one source, one discovery, one JWKS fetch.
        Assert.Same(Authorizer("GET /any").Keys, Authorizer("GET /hmac").Keys);
        Assert.NotNull(Authorizer("GET /any").Keys.Current);
        Assert.Equal((1, 1, 1), (_issuer.DiscoveryFetches, _issuer.JwksFetches, Authorizer("GET /any").Keys.Fetches));

        using var first = await GetAsync("/prod/any", _issuer.Tokens["valid"]);
        using var es256 = await GetAsync("/prod/any", _issuer.Tokens["es256"]);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, es256.StatusCode);
        Assert.Equal((1, 1), (_issuer.DiscoveryFetches, _issuer.JwksFetches)); // the first requests waited on nothing
    }

    [JoseFact]
    public async Task ReloadedAuthorizer_KeepsTheIssuersKeys_WhetherChangedOrNot()
    {
        using (var first = await GetAsync("/prod/any", _issuer.Tokens["valid"]))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        var before = Authorizer("GET /any");
        // Unchanged: the same authorizer (keys and verified tokens). Changed (claims forwarded): a new authorizer, the same keys.
        _gateway.Runtime.Swap(TestGateway.BuildModel(_config));
        await _gateway.Runtime.AuthorizerKeys.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Same(before, Authorizer("GET /any"));
        _gateway.Runtime.Swap(TestGateway.BuildModel(_config.Replace("\"claims\": [\"sub\", \"email\"]", "\"claims\": [\"sub\"]")));
        await _gateway.Runtime.AuthorizerKeys.WaitAsync(TimeSpan.FromSeconds(30));
        var changed = Authorizer("GET /any");
        Assert.NotSame(before, changed);
        Assert.Same(before.Keys, changed.Keys);

        using var again = await GetAsync("/prod/any", _issuer.Tokens["valid"]); // verified anew (new token cache), with the keys at hand

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal("sub=user-1;email=;spoof=", await again.Content.ReadAsStringAsync());
        Assert.Equal((1, 1), (_issuer.DiscoveryFetches, _issuer.JwksFetches));
    }

    [JoseFact]
    public async Task MissingToken_Is401_WithABareChallenge()
    {
        using var response = await GetAsync("/prod/any", token: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", string.Join(",", response.Headers.GetValues("WWW-Authenticate")));
        Assert.Equal(0, _backend.RequestsSeen);
    }

    [JoseFact]
    public async Task TokenWithoutTheRoutesScopes_Is403()
    {
        using var refused = await GetAsync("/prod/pets", _issuer.Tokens["otherScope"]);
        using var anyRoute = await GetAsync("/prod/any", _issuer.Tokens["otherScope"]);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("""{"message":"Forbidden"}""", await refused.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, anyRoute.StatusCode);
        Assert.Equal(1, _backend.RequestsSeen);
    }

    [JoseFact]
    public async Task UnknownKid_CausesExactlyOneRefresh_HoweverOftenItComes()
    {
        using (var first = await GetAsync("/prod/any", _issuer.Tokens["valid"]))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        Assert.Equal((1, 1), (_issuer.DiscoveryFetches, _issuer.JwksFetches)); // per issuer: both authorizers share it
        for (int i = 0; i < 5; i++)
        {
            using var response = await GetAsync("/prod/any", _issuer.Tokens["unknownKid"]);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        Assert.Equal(2, _issuer.JwksFetches);
        // The cached token needs no keys at all.
        using var again = await GetAsync("/prod/any", _issuer.Tokens["valid"]);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(2, _issuer.JwksFetches);
    }

    [JoseFact]
    public async Task RotatedKeys_AreFetchedForTheNewKid()
    {
        using (var first = await GetAsync("/prod/any", _issuer.Tokens["valid"]))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        _issuer.Rotated = true;
        using var rotated = await GetAsync("/prod/any", _issuer.Tokens["rotated"]);

        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        Assert.StartsWith("sub=user-2;", await rotated.Content.ReadAsStringAsync());
        Assert.Equal(2, _issuer.JwksFetches);
    }

    [JoseFact]
    public async Task ReusedToken_IsServedFromTheCache_AndUnprotectedRoutesDropSpoofedHeaders()
    {
        for (int i = 0; i < 20; i++)
        {
            using var response = await GetAsync("/prod/any", _issuer.Tokens["valid"]);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var open = await GetAsync("/prod/open", token: null, ("X-EdgeGw-Authorizer-Role", "admin"), ("X-EdgeGw-Authorizer-Sub", "admin"));
        Assert.Equal("sub=;email=;spoof=", await open.Content.ReadAsStringAsync());
        Assert.Equal(1, _issuer.JwksFetches);
    }
}

/// <summary>An issuer slower than AWS's 1,500 ms fetch timeout: a request waits no longer, the fetch goes on for the next ones.</summary>
public sealed class SlowIssuerTests
{
    [JoseFact]
    public async Task FirstRequest_WaitsAtMostTheFetchTimeout_AndTheFetchGoesOnForTheNextRequests()
    {
        await using var issuer = await JoseIssuer.StartAsync("slow");
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        issuer.HoldJwks = release;
        await using var backend = UpstreamServer.StartPerRequest((context, _) => context.RespondAsync(200, "ok"));
        await using var gateway = await TestGateway.StartAsync($$"""
            {
              "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 2 },
              "clusters": [ { "name": "up", "destinations": ["{{backend.Authority}}"] } ],
              "apis": [ { "name": "slow", "stages": [ { "name": "prod" } ],
                "authorizers": [ { "name": "users", "type": "jwt", "identitySource": "$request.header.Authorization", "jwt": { "issuer": "{{issuer.Issuer}}", "audience": "slow" } } ],
                "routes": [ { "key": "GET /any", "authorizer": "users", "integration": { "type": "http", "cluster": "up" } } ] } ]
            }
            """);
        using var client = gateway.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/prod/any");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + issuer.Tokens["valid"]);

        // The prefetch is held at the issuer: the request waits AWS's 1,500 ms for it, then is refused.
        var started = System.Diagnostics.Stopwatch.StartNew();
        using (var refused = await client.SendAsync(request))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Contains("could not be fetched", string.Join(",", refused.Headers.GetValues("WWW-Authenticate")));
        }

        Assert.InRange(started.Elapsed, TimeSpan.FromMilliseconds(1400), TimeSpan.FromSeconds(10));
        Assert.False(gateway.Runtime.AuthorizerKeys.IsCompleted); // the fetch is still going on

        release.SetResult();
        await gateway.Runtime.AuthorizerKeys.WaitAsync(TimeSpan.FromSeconds(30));
        using var again = new HttpRequestMessage(HttpMethod.Get, "/prod/any");
        again.Headers.TryAddWithoutValidation("Authorization", "Bearer " + issuer.Tokens["valid"]);
        using var accepted = await client.SendAsync(again);

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal((1, 1), (issuer.DiscoveryFetches, issuer.JwksFetches)); // one fetch, which outlived the first request's wait
    }
}

/// <summary>A WebSocket API's $connect behind a JWT authorizer (token in a header or, as browsers must, the query string).</summary>
public sealed class JwtConnectTests
{
    [JoseFact]
    public async Task Connect_WithoutAToken_Is401_AndWithOne_Opens_AndTheConnectIntegrationSeesTheIdentity()
    {
        await using var issuer = await JoseIssuer.StartAsync("chat");
        await using var backend = await WebSocketBackend.StartAsync();
        string config = GatewayConfigs.WebSocketApi(backend.Authority, connectExtra: "\"authorizer\": \"users\",")
            .Replace("\"protocol\": \"websocket\",", $$"""
                "protocol": "websocket",
                "authorizers": [ { "name": "users", "type": "jwt", "identitySource": "$request.header.Authorization", "jwt": { "issuer": "{{issuer.Issuer}}", "audience": "chat" } } ],
                """);
        await using var gateway = await TestGateway.StartAsync(config);

        using var refused = new ClientWebSocket();
        var error = await Assert.ThrowsAnyAsync<WebSocketException>(() => refused.ConnectAsync(new Uri($"ws://127.0.0.1:{gateway.Port}/prod"), CancellationToken.None));
        Assert.Contains("401", error.Message);

        using var client = new ClientWebSocket();
        client.Options.SetRequestHeader("Authorization", "Bearer " + issuer.Tokens["valid"]);
        client.Options.SetRequestHeader("X-EdgeGw-Authorizer-Sub", "spoofed");
        await client.ConnectAsync(new Uri($"ws://127.0.0.1:{gateway.Port}/prod"), CancellationToken.None);
        Assert.Equal(WebSocketState.Open, client.State);
        var connect = await backend.WaitForAsync(e => e.EventType == "CONNECT");
        Assert.Equal("user-1", connect.Headers["x-edgegw-authorizer-sub"]);
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
    }
}

/// <summary>A WebSocket API's $connect behind a request authorizer whose identity is a query parameter (what a browser can send).</summary>
public sealed class RequestAuthorizerConnectTests
{
    [Fact]
    public async Task Connect_IsAuthorizedByTheQueryString_AndTheCallIsCached()
    {
        int calls = 0;
        await using var authorizer = UpstreamServer.StartPerRequest((context, request) =>
        {
            Interlocked.Increment(ref calls);
            bool allowed = request.Body is { } body && System.Text.Encoding.UTF8.GetString(body).Contains("\"identitySource\":[\"good\"]", StringComparison.Ordinal);
            return context.RespondAsync(200, allowed ? "{\"isAuthorized\":true,\"context\":{\"room\":\"r1\"}}" : "{\"isAuthorized\":false}", ("Content-Type", "application/json"));
        });
        await using var backend = await WebSocketBackend.StartAsync();
        string config = GatewayConfigs.WebSocketApi(backend.Authority, connectExtra: "\"authorizer\": \"tickets\",")
            .Replace("\"clusters\": [", $"\"clusters\": [ {{ \"name\": \"auth\", \"destinations\": [\"{authorizer.Authority}\"] }},")
            .Replace("\"protocol\": \"websocket\",", """
                "protocol": "websocket",
                "authorizers": [ { "name": "tickets", "type": "request", "identitySource": "$request.querystring.ticket",
                                   "integration": { "cluster": "auth", "uri": "/authorize" }, "enableSimpleResponses": true } ],
                """);
        await using var gateway = await TestGateway.StartAsync(config);

        foreach (string query in new[] { "", "?ticket=bad" })
        {
            using var refused = new ClientWebSocket();
            var error = await Assert.ThrowsAnyAsync<WebSocketException>(() => refused.ConnectAsync(new Uri($"ws://127.0.0.1:{gateway.Port}/prod{query}"), CancellationToken.None));
            Assert.Contains(query.Length == 0 ? "401" : "403", error.Message);
        }

        for (int i = 0; i < 2; i++)
        {
            using var client = new ClientWebSocket();
            await client.ConnectAsync(new Uri($"ws://127.0.0.1:{gateway.Port}/prod?ticket=good"), CancellationToken.None);
            Assert.Equal(WebSocketState.Open, client.State);
            await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        }

        var connect = await backend.WaitForAsync(e => e.EventType == "CONNECT");
        Assert.Equal("r1", connect.Headers["x-edgegw-authorizer-room"]);
        Assert.Equal(2, Volatile.Read(ref calls)); // "bad" once, "good" once: the second connect came from the cache
    }
}
