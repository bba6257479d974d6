using System.Security.Cryptography;
using System.Text;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.ParameterMapping;

/// <summary>
/// <c>$request.body.&lt;json path&gt;</c> sources through the real gateway: the JSON body is buffered in the input
/// pipe, the backend (a raw loopback server the test starts) sees the mapped header and query AND the client's body
/// byte for byte; bodies the sources do not read (chunked, not JSON) leave them empty.
/// </summary>
public sealed class BodyMappingTests : IAsyncLifetime
{
    private UpstreamServer _backend = null!;
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        _backend = UpstreamServer.StartPerRequest((context, request) => context.RespondAsync(201, request.Body ?? [], ("X-Body-Sha256", request.BodySha256 ?? "")));
        _gateway = await TestGateway.StartAsync($$"""
            {
              "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 2 },
              "clusters": [ { "name": "up", "destinations": ["{{_backend.Authority}}"] } ],
              "apis": [ { "name": "b",
                "models": {
                  "Order": { "$schema": "http://json-schema.org/draft-04/schema#", "type": "object", "required": ["pet"],
                             "properties": { "pet": { "type": "object" } } }
                },
                "stages": [ { "name": "prod" } ],
                "routes": [
                  { "key": "POST /pets", "integration": { "type": "http", "cluster": "up",
                      "requestParameters": {
                        "overwrite:header.X-Pet": "$request.body.pet.name",
                        "overwrite:header.X-Owner": "owner-${request.body.pet.owner}",
                        "append:querystring.first": "${request.body.items[0].id}"
                      } } },
                  { "key": "POST /small", "maxBodyBytes": 32, "integration": { "type": "http", "cluster": "up",
                      "requestParameters": { "overwrite:header.X-Pet": "$request.body.pet.name" } } },
                  { "key": "POST /checked", "requestValidator": { "body": "Order" }, "integration": { "type": "http", "cluster": "up",
                      "requestParameters": { "overwrite:header.X-Pet": "$request.body.pet.name" } } },
                  { "key": "GET /next", "integration": { "type": "http", "cluster": "up" } }
                ] } ]
            }
            """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
    }

    private const string Body = "{ \"pet\" : { \"name\": \"R\\u00e9x \\\"the\\\" dog\", \"owner\": {\"id\":7} },\n \"items\": [ {\"id\":\"a b\"}, {\"id\":\"c\"} ] }";

    private static string Post(string path, string body, string headers = "Content-Type: application/json\r\n") =>
        $"POST /prod{path} HTTP/1.1\r\nHost: gw\r\n{headers}Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}";

    private static string Sha256(string body) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)));

    private async Task<(RawResponse Response, UpstreamRequest? Seen)> SendAsync(string request)
    {
        int before = _backend.RequestsSeen;
        await using var client = await _gateway.ConnectRawAsync();
        await client.SendAsync(request);
        var response = await client.ReadResponseAsync();
        if (response.Status != 201)
        {
            return (response, null);
        }

        await _backend.WaitForRequestsAsync(before + 1);
        return (response, _backend.Requests.Last());
    }

    [Fact]
    public async Task BodyValues_AreMapped_AndTheBackendGetsTheSameBody()
    {
        var (response, seen) = await SendAsync(Post("/pets?q=1", Body));

        Assert.Equal(201, response.Status);
        Assert.Equal("Réx \"the\" dog", Encoding.UTF8.GetString(Encoding.Latin1.GetBytes(seen!.Header("X-Pet")!)));
        Assert.Equal("owner-{\"id\":7}", seen.Header("X-Owner"));
        Assert.Equal("?q=1&first=a%20b", seen.Query);
        Assert.Equal(Body, response.BodyText);
        Assert.Equal(Sha256(Body), response.Header("X-Body-Sha256")?.ToLowerInvariant());
    }

    [Fact]
    public async Task ExpectContinue_IsAnsweredBeforeTheBodyIsRead_AndNotAgain()
    {
        await using var client = await _gateway.ConnectRawAsync();
        await client.SendAsync($"POST /prod/pets HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: {Encoding.UTF8.GetByteCount(Body)}\r\n\r\n");
        var interim = await client.ReadResponseAsync();
        Assert.Equal(100, interim.Status);
        await client.SendAsync(Body[..9]);
        await client.SendAsync(Body[9..]);
        var response = await client.ReadResponseAsync();

        Assert.Equal(201, response.Status);
        Assert.Equal(Body, response.BodyText);
        var seen = _backend.Requests.Last();
        Assert.Null(seen.Header("Expect"));
        Assert.Equal("owner-{\"id\":7}", seen.Header("X-Owner"));
    }

    [Fact]
    public async Task BodyOverTheRoutesMaxBodyBytes_Gets413_AndNeverReachesTheBackend()
    {
        int before = _backend.RequestsSeen;
        var (response, _) = await SendAsync(Post("/small", """{"pet":{"name":"a name longer than the limit"}}"""));

        Assert.Equal(413, response.Status);
        Assert.Equal(before, _backend.RequestsSeen);
    }

    [Fact]
    public async Task ChunkedBody_LeavesTheSourceEmpty_AndIsStillForwarded()
    {
        const string body = """{"pet":{"name":"Rex"}}""";
        var (response, seen) = await SendAsync(
            $"POST /prod/pets HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n{body.Length:x}\r\n{body}\r\n0\r\n\r\n");

        Assert.Equal(201, response.Status);
        Assert.Null(seen!.Header("X-Pet"));
        Assert.Equal("owner-", seen.Header("X-Owner"));
        Assert.Equal(body, response.BodyText);
    }

    [Theory]
    [InlineData("text/plain", """{"pet":{"name":"Rex"}}""")]
    [InlineData("application/json", """{"pet":{"name":"Rex"},""")]
    [InlineData("application/json", "not json at all")]
    public async Task BodyTheSourcesCannotRead_LeavesThemEmpty(string contentType, string body)
    {
        var (response, seen) = await SendAsync(Post("/pets", body, $"Content-Type: {contentType}\r\n"));

        Assert.Equal(201, response.Status);
        Assert.Null(seen!.Header("X-Pet"));
        Assert.Equal(body, response.BodyText);
    }

    [Fact]
    public async Task ValidatedRoute_ReadsTheBodyOnce_ForTheModelAndTheMapping()
    {
        const string body = """{"pet":{"name":"Tom","kind":"cat"}}""";
        var (response, seen) = await SendAsync(Post("/checked", body));
        Assert.Equal(201, response.Status);
        Assert.Equal("Tom", seen!.Header("X-Pet"));
        Assert.Equal(body, response.BodyText);

        var (refused, _) = await SendAsync(Post("/checked", """{"pet":"not an object"}"""));
        Assert.Equal(400, refused.Status);
        Assert.Equal("""{"message":"Invalid request body"}""", refused.BodyText);
    }

    [Fact]
    public async Task PipelinedRequests_AfterABufferedBody_StillParse()
    {
        await using var client = await _gateway.ConnectRawAsync();
        await client.SendAsync(Post("/pets", Body) + "GET /prod/next HTTP/1.1\r\nHost: gw\r\n\r\n" + Post("/checked", """{"pet":{"name":"Z"}}"""));
        var first = await client.ReadResponseAsync();
        var second = await client.ReadResponseAsync();
        var third = await client.ReadResponseAsync();

        Assert.Equal(201, first.Status);
        Assert.Equal(Body, first.BodyText);
        Assert.Equal(201, second.Status);
        Assert.Equal("", second.BodyText);
        Assert.Equal(201, third.Status);
        Assert.Equal("""{"pet":{"name":"Z"}}""", third.BodyText);
        await _backend.WaitForRequestsAsync(3);
        var seen = _backend.Requests.ToArray();
        Assert.Equal("Z", seen[^1].Header("X-Pet"));
        Assert.Equal("/next", seen[^2].Path);
    }

    [Fact]
    public async Task BodyThatStopsComing_Gets408_AndNeverReachesTheBackend()
    {
        await using var backend = Upstreams.Counting();
        await using var gateway = await TestGateway.StartAsync($$"""
            {
              "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 2, "requestHeadTimeoutSeconds": 1 },
              "clusters": [ { "name": "up", "destinations": ["{{backend.Authority}}"] } ],
              "apis": [ { "name": "b", "stages": [ { "name": "prod" } ],
                "routes": [ { "key": "POST /pets", "integration": { "type": "http", "cluster": "up",
                  "requestParameters": { "overwrite:header.X-Pet": "$request.body.pet.name" } } } ] } ]
            }
            """);
        await using var client = await gateway.ConnectRawAsync();
        await client.SendAsync("POST /prod/pets HTTP/1.1\r\nHost: gw\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"pet\":");
        var response = await client.ReadResponseAsync(timeout: TimeSpan.FromSeconds(20));

        Assert.Equal(408, response.Status);
        Assert.True(await client.IsClosedByServerAsync());
        Assert.Equal(0, backend.RequestsSeen);
    }
}
