using EdgeGw.Core.Caching;
using EdgeGw.Protocols.Http1;
using static EdgeGw.Core.Tests.Configuration.ConfigFixture;

namespace EdgeGw.Core.Tests.Configuration;

public sealed class CacheConfigTests
{
    private const string Http = """ "integration": { "type": "http", "cluster": "c" } """;
    private const string Cluster = """ "clusters": [ { "name": "c", "destinations": ["127.0.0.1:9"] } ], """;

    private static string Config(string stageCache, string routes, string root = "") => $$"""
        { {{root}} {{Cluster}}
          "apis": [ { "name": "a", "stages": [ { "name": "s", "cache": {{stageCache}} } ], "routes": [ {{routes}} ] } ] }
        """;

    private static RouteCachePolicy? Policy(EdgeGw.Core.Model.GatewayModel model, string path, HttpMethod method = HttpMethod.Get)
    {
        Core.Routing.RouteMatch<EdgeGw.Core.Model.RouteModel> match = default;
        Assert.True(model.Routes.TryMatch("h"u8, method, System.Text.Encoding.ASCII.GetBytes(path), ref match));
        return match.Route!.Cache;
    }

    [Fact]
    public void StageCache_AppliesDefaults_ToEveryHttpRoute()
    {
        var model = Valid(Config("""{ "enabled": true }""", $$"""{ "key": "GET /x", {{Http}} }, { "key": "GET /m", {{Mock}} }"""));

        var policy = Assert.IsType<RouteCachePolicy>(Policy(model, "/s/x"));
        Assert.Equal(TimeSpan.FromSeconds(300), policy.Ttl);
        Assert.True(policy.AllowsMethod(HttpMethod.Get) && policy.AllowsMethod(HttpMethod.Head));
        Assert.False(policy.AllowsMethod(HttpMethod.Post));
        Assert.All(new[] { 200, 203, 204, 301, 404 }, s => Assert.True(policy.IsCacheableStatus(s)));
        Assert.False(policy.IsCacheableStatus(500));
        Assert.Equal(UnauthorizedInvalidation.IgnoreWithHeader, policy.Unauthorized);
        Assert.Null(Policy(model, "/s/m"));
        Assert.Equal(256L * 1024 * 1024, model.Cache.MaxBytes);
        Assert.Equal(1024 * 1024, model.Cache.MaxEntryBytes);
    }

    [Fact]
    public void RouteSettings_OverrideTheStage()
    {
        var model = Valid(Config("""{ "enabled": true, "ttlSeconds": 60, "keyQuery": ["a"] }""", $$"""
            { "key": "GET /x", "cache": { "ttlSeconds": 5, "keyHeaders": ["Accept"], "methods": ["GET", "POST"] }, {{Http}} },
            { "key": "GET /off", "cache": { "enabled": false }, {{Http}} },
            { "key": "GET /zero", "cache": { "ttlSeconds": 0 }, {{Http}} }
            """));

        var policy = Policy(model, "/s/x")!;
        Assert.Equal(TimeSpan.FromSeconds(5), policy.Ttl);
        Assert.Equal(["a"], policy.KeyQuery.Select(System.Text.Encoding.ASCII.GetString));
        Assert.Equal(["accept"], policy.KeyHeaders.Select(System.Text.Encoding.ASCII.GetString));
        Assert.True(policy.AllowsMethod(HttpMethod.Post));
        Assert.False(policy.AllowsMethod(HttpMethod.Head));
        Assert.Null(Policy(model, "/s/off"));
        Assert.Null(Policy(model, "/s/zero"));
    }

    [Fact]
    public void InvalidateKeys_AreKeptOnlyAsHashes_AndCheckedByValue()
    {
        var model = Valid(Config("""{ "enabled": true, "invalidateApiKeys": ["key-0123456789abcdef"] }""", $$"""{ "key": "GET /x", {{Http}} }"""));

        var policy = Policy(model, "/s/x")!;
        Assert.True(policy.CanInvalidate("key-0123456789abcdef"u8));
        Assert.False(policy.CanInvalidate("key-0123456789abcdeX"u8));
        Assert.False(policy.CanInvalidate(default));
        Assert.DoesNotContain(policy.InvalidateKeyHashes, h => h.AsSpan().SequenceEqual("key-0123456789abcdef"u8));
    }

    [Fact]
    public void EveryCacheError_IsReportedAtOnce()
    {
        var paths = ErrorPaths(Config(
            """{ "enabled": true, "ttlSeconds": 3601, "methods": ["GET", "FOO", "GET"], "statuses": [99], "unauthorizedInvalidation": "maybe" }""",
            $$"""{ "key": "GET /x", "cache": { "keyHeaders": ["bad header"], "keyQuery": ["a&b", "q", "q"], "invalidateApiKeys": ["short"] }, {{Http}} }""",
            """ "cache": { "maxBytes": 1000, "maxEntryBytes": 2000, "statusHeader": "Content-Length", "coalesceTimeoutMs": -1 }, "admin": { "listen": ["http://10.0.0.1:9901", "ftp://x"] }, """));

        Assert.Equal(
            [
                "admin.listen[0]", "admin.listen[1]",
                "cache.maxEntryBytes", "cache.statusHeader", "cache.coalesceTimeoutMs",
                "apis[0].stages[0].cache.ttlSeconds", "apis[0].stages[0].cache.methods[1]", "apis[0].stages[0].cache.methods[2]",
                "apis[0].stages[0].cache.statuses[0]", "apis[0].stages[0].cache.unauthorizedInvalidation",
                "apis[0].routes[0].cache.keyQuery[0]", "apis[0].routes[0].cache.keyQuery[2]", "apis[0].routes[0].cache.keyHeaders[0]",
                "apis[0].routes[0].cache.invalidateApiKeys[0]",
            ],
            paths);
    }

    [Fact]
    public void UnknownCacheKey_IsReportedWithItsPath()
    {
        var paths = ErrorPaths(Config("""{ "enabled": true, "ttl": 5 }""", $$"""{ "key": "GET /x", {{Http}} }"""));
        Assert.Equal(["apis[0].stages[0].cache.ttl"], paths);
    }

    [Fact]
    public void Admin_IsLoopbackByDefault_AndMayBeDisabled()
    {
        var model = Valid(Config("{}", $$"""{ "key": "GET /x", {{Http}} }"""));
        Assert.Equal(["http://127.0.0.1:9901"], model.Admin.Listen.ToArray());

        var disabled = Valid(Config("{}", $$"""{ "key": "GET /x", {{Http}} }""", """ "admin": { "listen": [] }, """));
        Assert.Empty(disabled.Admin.Listen.ToArray());

        var remote = Valid(Config("{}", $$"""{ "key": "GET /x", {{Http}} }""", """ "admin": { "listen": ["http://0.0.0.0:9901"], "allowRemote": true }, """));
        Assert.Equal(["http://0.0.0.0:9901"], remote.Admin.Listen.ToArray());
    }
}
