using System.Text;
using EdgeGw.Core.Compression;
using EdgeGw.Core.Model;
using static EdgeGw.Core.Tests.Configuration.ConfigFixture;

namespace EdgeGw.Core.Tests.Compression;

public sealed class CompressionConfigTests
{
    private const string Http = """ "integration": { "type": "http", "cluster": "c" } """;

    private static string Config(string api, string routes) => $$"""
        { "clusters": [ { "name": "c", "destinations": ["127.0.0.1:9"] } ],
          "apis": [ { "name": "a", {{api}} "stages": [ { "name": "s" } ], "routes": [ {{routes}} ] } ] }
        """;

    private static CompressionPolicy? Policy(GatewayModel model, string path)
    {
        Core.Routing.RouteMatch<RouteModel> match = default;
        Assert.True(model.Routes.TryMatch("h"u8, Protocols.Http1.HttpMethod.Get, Encoding.ASCII.GetBytes(path), ref match));
        return match.Route!.Compression;
    }

    [Fact]
    public void Off_unless_the_api_sets_minimumCompressionSize()
    {
        var model = Valid(Config("", $$"""{ "key": "GET /x", {{Http}} }"""));
        Assert.Null(Policy(model, "/s/x"));
    }

    [Fact]
    public void Api_minimum_applies_defaults_and_routes_override()
    {
        var model = Valid(Config(""" "minimumCompressionSize": 1024, "compression": { "gzipLevel": 6 }, """, $$"""
            { "key": "GET /x", {{Http}} },
            { "key": "GET /y", "compression": { "minimumCompressionSize": 0, "encodings": ["gzip"], "brotliLevel": 9, "contentTypes": ["application/x-ndjson"] }, {{Http}} },
            { "key": "GET /off", "compression": { "enabled": false }, {{Http}} },
            { "key": "GET /m", {{Mock}} }
            """));

        var x = Policy(model, "/s/x")!;
        Assert.Equal(1024, x.MinimumSize);
        Assert.True(x.Brotli && x.Gzip);
        Assert.Equal(6, x.GzipLevel);
        Assert.Equal(4, x.BrotliLevel);
        foreach (string type in new[] { "text/html", "TEXT/Plain; charset=utf-8", "application/json", "application/javascript", "application/xml", "image/svg+xml", "application/problem+json", "application/atom+xml" })
        {
            Assert.True(x.IsCompressible(Encoding.ASCII.GetBytes(type)), type);
        }

        foreach (string type in new[] { "", "image/png", "application/octet-stream", "text", "application/jsonx", "+json", "application/x-ndjson" })
        {
            Assert.False(x.IsCompressible(Encoding.ASCII.GetBytes(type)), type);
        }

        var y = Policy(model, "/s/y")!;
        Assert.Equal(0, y.MinimumSize);
        Assert.False(y.Brotli);
        Assert.Equal(9, y.BrotliLevel);
        Assert.True(y.IsCompressible("application/x-ndjson"u8));
        Assert.False(y.IsCompressible("text/html"u8));
        Assert.Null(Policy(model, "/s/off"));
        Assert.NotNull(Policy(model, "/s/m"));
    }

    [Fact]
    public void A_route_can_enable_compression_alone()
    {
        var model = Valid(Config("", $$"""{ "key": "GET /x", "compression": { "minimumCompressionSize": 10 }, {{Http}} }, { "key": "GET /y", "compression": { "enabled": true }, {{Http}} }"""));
        Assert.Equal(10, Policy(model, "/s/x")!.MinimumSize);
        Assert.Equal(0, Policy(model, "/s/y")!.MinimumSize);
    }

    [Fact]
    public void Every_bad_value_is_reported_with_its_path()
    {
        var paths = ErrorPaths(Config(""" "minimumCompressionSize": 10485761, "compression": { "gzipLevel": 0, "brotliLevel": 12, "encodings": ["deflate", "br", "br"], "contentTypes": ["text", "*/*", "a/b;c=d", "text/html", "TEXT/HTML"], "bogus": 1 }, """,
            $$"""{ "key": "GET /x", "compression": { "minimumCompressionSize": -1, "encodings": [] }, {{Http}} }"""));

        Assert.Contains("apis[0].minimumCompressionSize", paths);
        Assert.Contains("apis[0].compression.gzipLevel", paths);
        Assert.Contains("apis[0].compression.brotliLevel", paths);
        Assert.Contains("apis[0].compression.encodings[0]", paths);
        Assert.Contains("apis[0].compression.encodings[2]", paths);
        Assert.Contains("apis[0].compression.contentTypes[0]", paths);
        Assert.Contains("apis[0].compression.contentTypes[1]", paths);
        Assert.Contains("apis[0].compression.contentTypes[2]", paths);
        Assert.Contains("apis[0].compression.contentTypes[4]", paths);
        Assert.DoesNotContain("apis[0].compression.contentTypes[3]", paths);
        Assert.Contains(paths, p => p.StartsWith("apis[0].compression", StringComparison.Ordinal) && p.Contains("bogus", StringComparison.Ordinal));
        Assert.Contains("apis[0].routes[0].compression.minimumCompressionSize", paths);
        Assert.Contains("apis[0].routes[0].compression.encodings", paths);
    }

    [Fact]
    public void A_websocket_api_does_not_compress()
    {
        var paths = ErrorPaths("""
            { "clusters": [ { "name": "c", "destinations": ["127.0.0.1:9"] } ],
              "apis": [ { "name": "w", "protocol": "websocket", "minimumCompressionSize": 0, "stages": [ { "name": "s" } ], "routes": [ ] } ] }
            """);
        Assert.Contains("apis[0].minimumCompressionSize", paths);
    }

    [Fact]
    public void The_minimum_is_set_once_per_api()
    {
        var paths = ErrorPaths(Config(""" "minimumCompressionSize": 1, "compression": { "minimumCompressionSize": 2 }, """, $$"""{ "key": "GET /x", {{Http}} }"""));
        Assert.Contains("apis[0].compression.minimumCompressionSize", paths);
    }
}
