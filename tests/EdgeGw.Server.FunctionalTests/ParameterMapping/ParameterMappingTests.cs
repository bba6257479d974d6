using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.ParameterMapping;

/// <summary>
/// <c>requestParameters</c> / <c>responseParameters</c> through the real gateway: the backend (a raw loopback server
/// the test starts) observes the path, query and headers after mapping; the client observes the status and header
/// rewriting of the backend's response.
/// </summary>
public sealed class ParameterMappingTests : IAsyncLifetime
{
    private UpstreamServer _backend = null!;
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = UpstreamServer.StartPerRequest((context, request) => request.Path switch
        {
            "/gone" => context.RespondAsync(404, "not here", ("Cache-Control", "max-age=60"), ("X-Secret", "s3"), ("Server", "test-backend")),
            "/fine" => context.RespondAsync(200, "fine", ("X-Secret", "s3"), ("Server", "test-backend")),
            "/gone2" => context.RespondAsync(200, "gone for good", ("X-Secret", "s3"), ("Server", "test-backend")),
            _ => context.RespondAsync(200, "ok"),
        });
        _gateway = await TestGateway.StartAsync($$"""
            {
              "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 2 },
              "cache": { "maxBytes": 1048576 },
              "clusters": [ { "name": "up", "destinations": ["{{_backend.Authority}}"] } ],
              "apis": [ { "name": "m", "stages": [ { "name": "prod", "variables": { "version": "v7" } },
                                                 { "name": "live", "variables": { "version": "v8" }, "cache": { "enabled": true, "ttlSeconds": 60 } } ],
                "routes": [
                  { "key": "GET /pets/{id}", "integration": { "type": "http", "cluster": "up",
                      "requestParameters": {
                        "overwrite:header.X-Pet": "pet-$request.path.id",
                        "append:header.X-Tenant": "${request.querystring.t}",
                        "remove:header.Cookie": "''",
                        "overwrite:header.X-Req": "$context.requestId",
                        "overwrite:header.X-Route": "$context.routeKey@$context.stage",
                        "overwrite:header.X-Missing": "$request.header.not-sent",
                        "overwrite:querystring.v": "$stageVariables.version",
                        "remove:querystring.secret": "''",
                        "append:querystring.who": "$request.header.x-user",
                        "overwrite:path": "/v2/pets/$request.path.id"
                      } } },
                  { "key": "GET /plain/{id}", "integration": { "type": "http", "cluster": "up", "uri": "/pets/{id}" } },
                  { "key": "GET /gone", "integration": { "type": "http", "cluster": "up",
                      "responseParameters": {
                        "404": { "overwrite:statuscode": "410", "overwrite:header.Cache-Control": "no-store",
                                 "remove:header.X-Secret": "''", "append:header.X-Backend": "$response.header.server" },
                        "200": { "remove:header.Server": "''" }
                      } } },
                  { "key": "GET /gone2", "integration": { "type": "http", "cluster": "up",
                      "responseParameters": { "200": { "overwrite:statuscode": "410", "remove:header.X-Secret": "''", "overwrite:header.X-Backend": "$response.header.server" } } } },
                  { "key": "GET /fine", "integration": { "type": "http", "cluster": "up",
                      "responseParameters": { "404": { "overwrite:statuscode": "410" }, "200": { "remove:header.X-Secret": "''", "overwrite:header.X-Stage": "$stageVariables.version" } } } }
                ] } ]
            }
            """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    private async Task<(RawResponse Response, UpstreamRequest Seen)> SendAsync(string request)
    {
        int before = _backend.RequestsSeen;
        await using var client = await _gateway.ConnectRawAsync();
        await client.SendAsync(request);
        var response = await client.ReadResponseAsync();
        await _backend.WaitForRequestsAsync(before + 1);
        return (response, _backend.Requests.Last());
    }

    [Fact]
    public async Task RequestParameters_RewritePathQueryAndHeaders_AsTheBackendSeesThem()
    {
        var (response, seen) = await SendAsync(
            "GET /prod/pets/42?t=acme&secret=x&v=0&keep=1 HTTP/1.1\r\nHost: gw\r\nCookie: session=1\r\nX-Tenant: client\r\nX-Pet: forged\r\nX-User: ann lee\r\nX-Request-Id: abc-123\r\n\r\n");

        Assert.Equal(200, response.Status);
        Assert.Equal("/v2/pets/42", seen.Path);
        // The client's parameters minus the removed and overwritten ones, then the mapped ones (values percent-encoded; appends before overwrites, as the configuration orders its keys).
        Assert.Equal("?t=acme&keep=1&who=ann%20lee&v=v7", seen.Query);
        Assert.Equal("pet-42", seen.Header("X-Pet"));
        Assert.Equal(["client", "acme"], seen.Head.GetAll("X-Tenant"));
        Assert.Null(seen.Header("Cookie"));
        Assert.Equal("abc-123", seen.Header("X-Request-Id"));
        Assert.Equal(seen.Header("X-Request-Id"), seen.Header("X-Req"));
        Assert.Equal("GET /pets/{id}@prod", seen.Header("X-Route"));
        Assert.Null(seen.Header("X-Missing")); // an empty value adds no header
        Assert.Equal("gw", seen.Header("X-Forwarded-Host"));
    }

    [Fact]
    public async Task RouteWithoutMapping_ForwardsTheClientsHeadersAndQuery()
    {
        var (_, seen) = await SendAsync("GET /prod/plain/7?secret=x HTTP/1.1\r\nHost: gw\r\nCookie: session=1\r\n\r\n");

        Assert.Equal("/pets/7", seen.Path);
        Assert.Equal("?secret=x", seen.Query);
        Assert.Equal("session=1", seen.Header("Cookie"));
    }

    [Fact]
    public async Task ResponseParameters_RewriteTheStatusAndHeaders_OfTheMappedStatus()
    {
        var (response, _) = await SendAsync("GET /prod/gone HTTP/1.1\r\nHost: gw\r\n\r\n");

        Assert.Equal(410, response.Status);
        Assert.Equal("HTTP/1.1 410 Gone", response.Head.StartLine);
        Assert.Equal("no-store", response.Header("Cache-Control"));
        Assert.Null(response.Header("X-Secret"));
        Assert.Equal("test-backend", response.Header("X-Backend"));
        Assert.Equal("test-backend", response.Header("Server"));
        Assert.Equal("not here", response.BodyText);
    }

    [Fact]
    public async Task ResponseParameters_OfAnotherStatus_DoNotApply()
    {
        var (response, _) = await SendAsync("GET /prod/fine HTTP/1.1\r\nHost: gw\r\n\r\n");

        Assert.Equal(200, response.Status);
        Assert.Null(response.Header("X-Secret"));
        Assert.Equal("v7", response.Header("X-Stage"));
        Assert.Equal("test-backend", response.Header("Server"));
        Assert.Equal("fine", response.BodyText);
    }

    [Fact]
    public async Task ResponseParameters_ApplyToACacheHit_AsToTheMissThatStoredIt()
    {
        var (miss, _) = await SendAsync("GET /live/fine HTTP/1.1\r\nHost: gw\r\n\r\n");
        int seen = _backend.RequestsSeen;
        await using var client = await _gateway.ConnectRawAsync();
        await client.SendAsync("GET /live/fine HTTP/1.1\r\nHost: gw\r\n\r\n");
        var hit = await client.ReadResponseAsync();

        Assert.Equal(("Miss", "Hit"), (miss.Header("X-Cache"), hit.Header("X-Cache")));
        Assert.Equal(seen, _backend.RequestsSeen);
        foreach (var response in new[] { miss, hit })
        {
            Assert.Equal(200, response.Status);
            Assert.Null(response.Header("X-Secret")); // the stored head still has it: removed again on the hit
            Assert.Equal("v8", response.Header("X-Stage"));
            Assert.Equal("test-backend", response.Header("Server"));
            Assert.Equal("fine", response.BodyText);
        }
    }

    [Fact]
    public async Task ResponseParameters_OnACacheHit_CanReadTheStoredHeadAndRewriteTheStatus()
    {
        await SendAsync("GET /live/gone2 HTTP/1.1\r\nHost: gw\r\n\r\n");
        await using var client = await _gateway.ConnectRawAsync();
        await client.SendAsync("GET /live/gone2 HTTP/1.1\r\nHost: gw\r\n\r\n");
        var hit = await client.ReadResponseAsync();

        Assert.Equal("Hit", hit.Header("X-Cache"));
        Assert.Equal("HTTP/1.1 410 Gone", hit.Head.StartLine);
        Assert.Equal("test-backend", hit.Header("X-Backend")); // $response.header.server, from the stored head
        Assert.Null(hit.Header("X-Secret"));
        Assert.Equal("gone for good", hit.BodyText);
    }
}
