using System.Text;
using EdgeGw.Core.Authorizers;
using EdgeGw.Core.Tests.Configuration;
using EdgeGw.Protocols.Buffers;

namespace EdgeGw.Core.Tests.Authorizers;

/// <summary>A request authorizer's call through its transport: what it sends where, which answers count, the result cache.</summary>
public sealed class RequestAuthorizerCallTests
{
    private sealed class FakeTransport(int status, string? body) : IAuthorizerTransport
    {
        public int Posts;
        public RequestAuthorizerSettings? Settings;
        public string? Sent;

        public ValueTask<AuthorizerAnswer> PostAsync(RequestAuthorizerSettings settings, byte[] body1, int maxResponseBytes)
        {
            Posts++;
            Settings = settings;
            Sent = Encoding.UTF8.GetString(body1);
            if (body is null)
            {
                return new(new AuthorizerAnswer(status, null, 0));
            }

            var bytes = Encoding.UTF8.GetBytes(body);
            var pooled = BlockPool.Rent(bytes.Length);
            bytes.CopyTo(pooled, 0);
            return new(new AuthorizerAnswer(status, pooled, bytes.Length));
        }
    }

    private static RequestAuthorizer Compile(string api, int ttl = 300)
    {
        var model = ConfigFixture.Valid($$"""
            { "clusters": [ { "name": "other", "destinations": ["127.0.0.1:2"] }, { "name": "auth", "destinations": ["127.0.0.1:1"] } ],
              "apis": [ { "name": "{{api}}", "stages": [ { "name": "s" } ],
                "authorizers": [ { "name": "r", "type": "request", "identitySource": "$request.header.X-Token",
                                   "integration": { "cluster": "auth", "uri": "/authorize?v=2", "timeoutMs": 750 }, "enableSimpleResponses": true, "resultTtlSeconds": {{ttl}} } ],
                "routes": [ { "key": "GET /x", "authorizer": "r", "integration": { "type": "mock" } } ] } ] }
            """);
        return (RequestAuthorizer)model.RouteList.Single().Authorizer!.Authorizer;
    }

    [Fact]
    public async Task Call_PostsToTheClustersIntegration_AndCachesTheAnswer()
    {
        var authorizer = Compile("callcache");
        var transport = new FakeTransport(200, """{"isAuthorized":true,"context":{"tenant":"t1"}}""");
        byte[] key = "k1"u8.ToArray();

        var first = await authorizer.AuthorizeAsync(key, () => "{\"event\":1}"u8.ToArray(), () => 1_000, transport);

        Assert.NotNull(first);
        Assert.True(first.Allows("any"u8));
        Assert.True(first.TryGetContext("tenant"u8, out var tenant) && tenant.SequenceEqual("t1"u8));
        Assert.Equal("{\"event\":1}", transport.Sent);
        var target = transport.Settings!.Integration;
        Assert.Equal("auth", target.Cluster.Name);
        Assert.Equal("/authorize?v=2", Encoding.UTF8.GetString(Assert.Single(target.PathTemplate).Literal));
        Assert.Equal(TimeSpan.FromMilliseconds(750), target.ResponseTimeout);
        Assert.Same(first, authorizer.Results.Find(key, 2_000));
        Assert.Null(authorizer.Results.Find(key, 1_000 + 300_001));
    }

    [Theory]
    [InlineData(500, """{"isAuthorized":true}""")] // a non-2xx answer
    [InlineData(504, null)] // no answer in time (the transport's gateway status)
    [InlineData(200, "not json")]
    [InlineData(200, """{"context":{}}""")] // neither shape
    [InlineData(200, null)] // an empty body
    public async Task NoValidAnswer_IsAFailure_AndNotCached(int status, string? body)
    {
        var authorizer = Compile("callfail");
        var transport = new FakeTransport(status, body);

        var result = await authorizer.AuthorizeAsync("k"u8.ToArray(), () => "{}"u8.ToArray(), () => 1_000, transport);

        Assert.Null(result);
        Assert.Null(authorizer.Results.Find("k"u8, 1_000));
        Assert.Equal(1, transport.Posts);
    }
}
