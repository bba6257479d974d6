using System.Security.Cryptography;
using System.Text;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.RequestValidation;

/// <summary>
/// <c>requestValidator</c> through the real gateway: required parameters and the body against a draft-04 model;
/// refused requests never reach the backend (AWS's 400 texts), accepted ones arrive with exactly the client's bytes.
/// </summary>
public sealed class RequestValidationTests : IAsyncLifetime
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
              "apis": [ { "name": "v",
                "models": {
                  "NewPet": { "$schema": "http://json-schema.org/draft-04/schema#", "type": "object", "required": ["type", "price"],
                              "properties": { "type": { "type": "string", "enum": ["dog", "cat", "fish"] },
                                              "price": { "type": "number", "minimum": 25, "maximum": 500 } } }
                },
                "stages": [ { "name": "prod" } ],
                "routes": [
                  { "key": "POST /pets", "requestValidator": { "body": "NewPet", "parameters": ["querystring.limit", "header.X-Tenant"] },
                    "integration": { "type": "http", "cluster": "up" } },
                  { "key": "GET /pets/{id}", "requestValidator": { "parameters": ["path.id", "header.X-Tenant"] },
                    "integration": { "type": "http", "cluster": "up" } }
                ] } ]
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

    private static string Post(string body, string query = "?limit=5", string headers = "X-Tenant: acme\r\nContent-Type: application/json\r\n") =>
        $"POST /prod/pets{query} HTTP/1.1\r\nHost: gw\r\n{headers}Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}";

    [Fact]
    public async Task ValidBody_ReachesTheBackend_ByteForByte()
    {
        // Whitespace, key order and number spelling as the client wrote them: the backend must get these bytes.
        const string body = "{ \"price\" : 249.990,\n  \"type\":\"dog\" , \"name\": \"R\\u00e9x\" }";
        var response = await SendAsync(Post(body));

        Assert.Equal(201, response.Status);
        Assert.Equal(body, response.BodyText);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body))), response.Header("X-Body-Sha256")?.ToLowerInvariant());
    }

    [Fact]
    public async Task ValidBody_SentInPiecesAfterExpectContinue_ReachesTheBackend()
    {
        const string body = """{"type":"cat","price":30}""";
        await using var client = await _gateway.ConnectRawAsync();
        await client.SendAsync($"POST /prod/pets?limit=1 HTTP/1.1\r\nHost: gw\r\nX-Tenant: t\r\nContent-Type: application/json; charset=utf-8\r\nExpect: 100-continue\r\nContent-Length: {body.Length}\r\n\r\n");
        var interim = await client.ReadResponseAsync();
        Assert.Equal(100, interim.Status);
        await client.SendAsync(body[..10]);
        await client.SendAsync(body[10..]);
        var response = await client.ReadResponseAsync();

        Assert.Equal(201, response.Status);
        Assert.Equal(body, response.BodyText);
    }

    [Theory]
    [InlineData("""{"type":"dog"}""")]
    [InlineData("""{"type":"bird","price":30}""")]
    [InlineData("""{"type":"dog","price":10}""")]
    [InlineData("""{"type":"dog","price":"30"}""")]
    [InlineData("""{"type":"dog","price":30""")]
    [InlineData("""[]""")]
    public async Task InvalidBody_Gets400_AndNeverReachesTheBackend(string body)
    {
        int before = _backend.RequestsSeen;
        var response = await SendAsync(Post(body));

        Assert.Equal(400, response.Status);
        Assert.Equal("""{"message":"Invalid request body"}""", response.BodyText);
        Assert.Equal("application/json", response.Header("Content-Type"));
        Assert.Equal(before, _backend.RequestsSeen);
    }

    [Fact]
    public async Task NonJsonContentType_IsAnInvalidBody()
    {
        var response = await SendAsync(Post("""{"type":"dog","price":30}""", headers: "X-Tenant: a\r\nContent-Type: text/plain\r\n"));
        Assert.Equal(400, response.Status);
        Assert.Equal("""{"message":"Invalid request body"}""", response.BodyText);
    }

    [Fact]
    public async Task MissingParameters_Get400_ListingThem_BeforeTheBodyIsRead()
    {
        int before = _backend.RequestsSeen;
        var response = await SendAsync(Post("""{"type":"dog","price":30}""", query: "?limit=", headers: "Content-Type: application/json\r\n"));

        Assert.Equal(400, response.Status);
        Assert.Equal("""{"message":"Missing required request parameters: [limit, X-Tenant]"}""", response.BodyText);
        Assert.Equal(before, _backend.RequestsSeen);
    }

    [Fact]
    public async Task PresentParameters_Pass_OnARouteWithoutABodyModel()
    {
        var refused = await SendAsync("GET /prod/pets/7 HTTP/1.1\r\nHost: gw\r\n\r\n");
        Assert.Equal(400, refused.Status);
        Assert.Equal("""{"message":"Missing required request parameters: [X-Tenant]"}""", refused.BodyText);

        var passed = await SendAsync("GET /prod/pets/7 HTTP/1.1\r\nHost: gw\r\nX-Tenant: acme\r\n\r\n");
        Assert.Equal(201, passed.Status);
    }

    [Fact]
    public async Task KeepAlive_ServesTheNextRequest_AfterAValidatedBody()
    {
        const string body = """{"type":"fish","price":25}""";
        await using var client = await _gateway.ConnectRawAsync();
        await client.SendAsync(Post(body) + "GET /prod/pets/1 HTTP/1.1\r\nHost: gw\r\nX-Tenant: x\r\n\r\n");
        var first = await client.ReadResponseAsync();
        var second = await client.ReadResponseAsync();

        Assert.Equal(201, first.Status);
        Assert.Equal(body, first.BodyText);
        Assert.Equal(201, second.Status);
    }
}
