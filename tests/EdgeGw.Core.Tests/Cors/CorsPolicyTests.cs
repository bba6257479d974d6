using System.Text;
using EdgeGw.Core.Cors;
using static EdgeGw.Core.Tests.Configuration.ConfigFixture;

namespace EdgeGw.Core.Tests.Cors;

public sealed class CorsPolicyTests
{
    private static CorsPolicy Policy(string cors)
    {
        var model = Valid($$"""{ "apis": [ { "name": "a", "cors": {{cors}}, "stages": [ { "name": "s" } ], "routes": [ { "key": "GET /x", "integration": { "type": "mock" } } ] } ] }""");
        return model.RouteList.Single().Cors!;
    }

    private static byte[] B(string text) => Encoding.ASCII.GetBytes(text);

    [Theory]
    [InlineData("https://app.example.com", true)]
    // Origins are compared ASCII case-insensitively (browsers send them lower case).
    [InlineData("HTTPS://App.Example.COM", true)]
    [InlineData("http://app.example.com", false)]
    [InlineData("https://app.example.com:443", false)]
    [InlineData("https://app.example.com.evil.test", false)]
    [InlineData("https://xapp.example.com", true)]
    // The wildcard covers one or more leftmost labels, never none.
    [InlineData("https://a.example.com", true)]
    [InlineData("https://a.b.example.com", true)]
    [InlineData("https://example.com", false)]
    [InlineData("https://.example.com", false)]
    [InlineData("https://a..example.com", false)]
    [InlineData("https://evil.test/.example.com", false)]
    [InlineData("https://evil.test?.example.com", false)]
    [InlineData("https://a.example.com:8443", false)]
    [InlineData("http://a.example.com", false)]
    [InlineData("https://a.example.org", false)]
    // Wildcard with a port.
    [InlineData("http://dev.local.test:3000", true)]
    [InlineData("http://dev.local.test:3001", false)]
    [InlineData("null", false)]
    [InlineData("", false)]
    public void Origins_MatchExactlyOrByWildcard(string origin, bool allowed)
    {
        var policy = Policy("""{ "allowOrigins": ["https://app.example.com", "https://*.example.com", "http://*.local.test:3000"] }""");
        Assert.Equal(allowed, policy.AllowsOrigin(B(origin)));
    }

    [Fact]
    public void AnyOrigin_AllowsEveryOriginButNone()
    {
        var policy = Policy("""{ "allowOrigins": ["*"] }""");
        Assert.True(policy.AllowsOrigin("https://anything.test"u8));
        Assert.True(policy.AllowsOrigin("null"u8));
        Assert.False(policy.AllowsOrigin(default));
        Assert.False(policy.VaryByOrigin);
    }

    [Fact]
    public void Preflight_ChecksOriginThenMethodThenEveryHeader()
    {
        var policy = Policy("""{ "allowOrigins": ["https://app.example.com"], "allowMethods": ["GET", "post"], "allowHeaders": ["Authorization", "content-type"], "maxAge": 600, "allowCredentials": true }""");
        Assert.Equal(CorsPreflightResult.Allowed, policy.CheckPreflight("https://app.example.com"u8, "POST"u8, "authorization, Content-Type"u8));
        Assert.Equal(CorsPreflightResult.Allowed, policy.CheckPreflight("https://app.example.com"u8, "GET"u8, default));
        Assert.Equal(CorsPreflightResult.Allowed, policy.CheckPreflight("https://app.example.com"u8, "GET"u8, " ,authorization,, "u8));
        Assert.Equal(CorsPreflightResult.OriginRefused, policy.CheckPreflight("https://other.example.com"u8, "GET"u8, default));
        // Methods are case-sensitive tokens (Fetch normalizes only the standard ones, to upper case).
        Assert.Equal(CorsPreflightResult.MethodRefused, policy.CheckPreflight("https://app.example.com"u8, "get"u8, default));
        Assert.Equal(CorsPreflightResult.MethodRefused, policy.CheckPreflight("https://app.example.com"u8, "DELETE"u8, default));
        Assert.Equal(CorsPreflightResult.HeadersRefused, policy.CheckPreflight("https://app.example.com"u8, "GET"u8, "authorization,x-custom"u8));
        Assert.Equal("Access-Control-Allow-Methods: GET,POST\r\n"u8.ToArray(), policy.AllowMethodsLine);
        Assert.Equal("Access-Control-Allow-Headers: authorization,content-type\r\n"u8.ToArray(), policy.AllowHeadersLine);
        Assert.Equal("Access-Control-Max-Age: 600\r\n"u8.ToArray(), policy.MaxAgeLine);
        Assert.True(policy.VaryByOrigin);
    }

    [Fact]
    public void Wildcards_AllowAnyMethodAndHeader()
    {
        var policy = Policy("""{ "allowOrigins": ["*"], "allowMethods": ["*"], "allowHeaders": ["*"] }""");
        Assert.Equal(CorsPreflightResult.Allowed, policy.CheckPreflight("https://a.test"u8, "PURGE"u8, "x-anything, authorization"u8));
        Assert.Null(policy.AllowMethodsLine);
        Assert.Null(policy.AllowHeadersLine);
    }

    [Theory]
    [InlineData("Access-Control-Allow-Origin", true)]
    [InlineData("access-control-expose-headers", true)]
    [InlineData("Access-Control-", false)]
    [InlineData("Vary", false)]
    public void CorsHeaders_AreRecognizedByName(string name, bool cors) => Assert.Equal(cors, CorsPolicy.IsCorsHeader(B(name)));

    [Fact]
    public void EveryCorsError_IsReportedWithItsPath()
    {
        var paths = ErrorPaths("""
            { "apis": [ { "name": "a", "stages": [ { "name": "s" } ], "routes": [ { "key": "GET /x", "integration": { "type": "mock" } } ],
              "cors": { "allowOrigins": ["*", "https://app.example.com/", "app.example.com", "https://a.*.example.com", "https://x.test:0"],
                        "allowMethods": ["GET", "FETCH"], "allowHeaders": ["ok", "bad header"], "exposeHeaders": ["x:y"],
                        "maxAge": 86401, "allowCredentials": true, "origins": [] } } ] }
            """);
        Assert.Equal(
            new[]
            {
                "apis[0].cors.allowMethods[1]", "apis[0].cors.allowHeaders[1]", "apis[0].cors.allowOrigins[0]", "apis[0].cors.allowOrigins[1]", "apis[0].cors.allowOrigins[2]",
                "apis[0].cors.allowOrigins[3]", "apis[0].cors.allowOrigins[4]", "apis[0].cors.exposeHeaders[0]", "apis[0].cors.maxAge", "apis[0].cors.origins",
            }.Order(),
            paths.Order());
    }

    [Fact]
    public void AnyOriginWithCredentials_IsRefusedWithAwsText()
    {
        var result = Load("""{ "apis": [ { "name": "a", "cors": { "allowOrigins": ["*"], "allowCredentials": true }, "stages": [ { "name": "s" } ], "routes": [ { "key": "GET /x", "integration": { "type": "mock" } } ] } ] }""");
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("allow-credentials is not supported if 'allow-origin' is *", error.Message, StringComparison.Ordinal);
    }
}
