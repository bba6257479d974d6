using System.Security.Cryptography;
using System.Text;
using EdgeGw.Core.Authorizers;
using EdgeGw.Core.Tests.Configuration;

namespace EdgeGw.Core.Tests.Authorizers;

/// <summary>The JWT validator, the verified-token cache and the authorizers' config checks.</summary>
public sealed class JwtValidatorTests
{
    private const string Issuer = "https://issuer.example.com/";
    private static readonly RSA Rsa = RSA.Create(2048);
    private static readonly long Now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    private static readonly JwtSettings Settings = new(Issuer, ["petstore"], 60);
    private static readonly JsonWebKeySet Keys = KeySet();

    private static JsonWebKeySet KeySet()
    {
        var p = Rsa.ExportParameters(false);
        return JsonWebKeySet.Parse(Encoding.UTF8.GetBytes(
            $$"""{"keys":[{"kty":"RSA","kid":"k1","use":"sig","n":"{{B64(p.Modulus!)}}","e":"{{B64(p.Exponent!)}}"},{"kty":"oct","kid":"h","k":"c2VjcmV0"}]}"""))!;
    }

    private static string B64(byte[] bytes) => System.Buffers.Text.Base64Url.EncodeToString(bytes);

    private static byte[] Token(string payload, string header = """{"alg":"RS256","kid":"k1"}""")
    {
        string input = B64(Encoding.UTF8.GetBytes(header)) + "." + B64(Encoding.UTF8.GetBytes(payload));
        return Encoding.ASCII.GetBytes(input + "." + B64(Rsa.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)));
    }

    private static string Claims(long exp, string extra = "", string aud = "\"petstore\"") => $$"""{"iss":"{{Issuer}}","aud":{{aud}},"sub":"u1","exp":{{exp}}{{extra}}}""";

    [Theory]
    [InlineData(3600, "", JwtFailure.None)]
    [InlineData(-30, "", JwtFailure.None)] // within the clock skew
    [InlineData(-120, "", JwtFailure.Expired)]
    [InlineData(3600, ",\"nbf\":9999999999", JwtFailure.NotYetValid)]
    [InlineData(3600, ",\"iat\":9999999999", JwtFailure.NotYetValid)]
    public void Lifetime_IsCheckedWithTheClockSkew(long expIn, string extra, JwtFailure expected) =>
        Assert.Equal(expected, JwtValidator.Validate(Token(Claims(Now + expIn, extra)), Keys, Settings, Now, out _, out _));

    [Fact]
    public void AudienceArrays_AndClientIdWithoutAud_AreAccepted()
    {
        Assert.Equal(JwtFailure.None, JwtValidator.Validate(Token(Claims(Now + 60, aud: "[\"x\",\"petstore\"]")), Keys, Settings, Now, out _, out _));
        Assert.Equal(JwtFailure.Audience, JwtValidator.Validate(Token(Claims(Now + 60, aud: "[\"x\"]")), Keys, Settings, Now, out _, out _));
        Assert.Equal(JwtFailure.None, JwtValidator.Validate(Token($$"""{"iss":"{{Issuer}}","client_id":"petstore","exp":{{Now + 60}}}"""), Keys, Settings, Now, out _, out _));
    }

    [Theory]
    [InlineData("""{"alg":"none","kid":"k1"}""", JwtFailure.AlgorithmNone)]
    [InlineData("""{"alg":"HS256","kid":"h"}""", JwtFailure.Algorithm)]
    [InlineData("""{"alg":"RS256","kid":"other"}""", JwtFailure.UnknownKey)]
    [InlineData("""{"alg":"ES256","kid":"k1"}""", JwtFailure.Algorithm)]
    [InlineData("""{"alg":"RS256","kid":"k1","crit":["x"]}""", JwtFailure.Malformed)]
    [InlineData("""{"alg":"RS256"}""", JwtFailure.None)] // no kid: the only RSA key
    public void Header_AlgAndKid(string header, JwtFailure expected) =>
        Assert.Equal(expected, JwtValidator.Validate(Token(Claims(Now + 60), header), Keys, Settings, Now, out _, out _));

    [Theory]
    [InlineData("a.b")]
    [InlineData("a.b.c.d.e")]
    [InlineData("!!.??.**")]
    [InlineData("")]
    public void Garbage_IsRefusedWithoutException(string token) =>
        Assert.NotEqual(JwtFailure.None, JwtValidator.Validate(Encoding.ASCII.GetBytes(token), Keys, Settings, Now, out _, out _));

    [Fact]
    public void TamperedPayload_FailsTheSignature()
    {
        var token = Encoding.ASCII.GetString(Token(Claims(Now + 60)));
        var parts = token.Split('.');
        string forged = parts[0] + "." + B64(Encoding.UTF8.GetBytes(Claims(Now + 60).Replace("u1", "admin"))) + "." + parts[2];
        Assert.Equal(JwtFailure.Signature, JwtValidator.Validate(Encoding.ASCII.GetBytes(forged), Keys, Settings, Now, out _, out _));
    }

    [Fact]
    public void CachedToken_IsFoundByItsWholeBytes_UntilItExpires_AndAllocatesNothing()
    {
        var token = Token(Claims(Now + 60, ",\"scope\":\"a b\""));
        JwtValidator.Validate(token, Keys, Settings, Now, out var payload, out long exp);
        var cache = new BoundedEntryCache<JwtIdentity>(16);
        var identity = new JwtIdentity(token, payload!, exp * 1000, "X-P-"u8.ToArray(), ["sub"]);
        cache.Add(identity, Now * 1000);

        Assert.Same(identity, cache.Find(token, Now * 1000));
        var other = (byte[])token.Clone();
        other[^1] ^= 1;
        Assert.Null(cache.Find(other, Now * 1000));
        Assert.Null(cache.Find(token, (exp + 1) * 1000));
        Assert.Equal("X-P-Sub: u1\r\n", Encoding.ASCII.GetString(identity.ForwardedHeaderLines));
        Assert.True(identity.HasAnyScope([Encoding.ASCII.GetBytes("b")]));
        Assert.False(identity.HasAnyScope([Encoding.ASCII.GetBytes("c")]));

        cache.Find(token, Now * 1000);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            cache.Find(token, Now * 1000);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Theory]
    [InlineData("arn:aws:execute-api:*:*:api/prod/GET/*", "arn:aws:execute-api:edgegw:000000000000:api/prod/GET/pets/1", true)]
    [InlineData("arn:aws:execute-api:*:*:api/prod/GET/pets/?", "arn:aws:execute-api:edgegw:000000000000:api/prod/GET/pets/1", true)]
    [InlineData("arn:aws:execute-api:*:*:api/prod/POST/*", "arn:aws:execute-api:edgegw:000000000000:api/prod/GET/pets/1", false)]
    [InlineData("*", "anything", true)]
    public void PolicyResources_MatchWithIamWildcards(string pattern, string arn, bool expected) =>
        Assert.Equal(expected, RequestAuthorizerResult.Glob(Encoding.UTF8.GetBytes(pattern), Encoding.UTF8.GetBytes(arn)));

    [Fact]
    public void Config_ReportsEveryErrorWithItsPath()
    {
        var paths = ConfigFixture.ErrorPaths("""
            { "clusters": [ { "name": "auth", "destinations": ["127.0.0.1:1"] } ],
              "apis": [ { "name": "a", "stages": [ { "name": "s" } ],
              "authorizers": [
                { "name": "j", "type": "jwt", "identitySource": "$request.header.Authorization", "jwt": { "issuer": "http://idp.example.com/", "audience": [] } },
                { "name": "r", "type": "request", "identitySource": ["$request.body.x"], "integration": { "cluster": "nope" }, "payloadFormatVersion": "1.0", "enableSimpleResponses": true, "resultTtlSeconds": 4000 },
                { "name": "t", "type": "lambda" } ],
              "routes": [
                { "key": "GET /a", "authorizer": "missing", "integration": { "type": "mock" } },
                { "key": "GET /b", "authorizer": "r", "authorizationScopes": ["x"], "integration": { "type": "mock" } } ] } ] }
            """);

        Assert.Contains("apis[0].authorizers[0].jwt.issuer", paths);
        Assert.Contains("apis[0].authorizers[0].jwt.audience", paths);
        Assert.Contains("apis[0].authorizers[1].identitySource[0]", paths);
        Assert.Contains("apis[0].authorizers[1].integration.cluster", paths);
        Assert.Contains("apis[0].authorizers[1].enableSimpleResponses", paths);
        Assert.Contains("apis[0].authorizers[1].resultTtlSeconds", paths);
        Assert.Contains("apis[0].authorizers[2].type", paths);
        Assert.Contains("apis[0].routes[0].authorizer", paths);
        Assert.Contains("apis[0].routes[1].authorizationScopes", paths);
    }
}

/// <summary>Hot reload: an unchanged authorizer keeps its instance (and so its JWKS and caches); a changed one is new.</summary>
public sealed class AuthorizerReloadTests
{
    private static string Config(string audience) => $$"""
        { "apis": [ { "name": "a", "stages": [ { "name": "s" } ],
          "authorizers": [ { "name": "j", "type": "jwt", "identitySource": "$request.header.Authorization",
                             "jwt": { "issuer": "https://issuer.example.com/", "audience": "{{audience}}" } } ],
          "routes": [ { "key": "GET /a", "authorizer": "j", "authorizationScopes": ["x"], "integration": { "type": "mock" } },
                      { "key": "GET /b", "integration": { "type": "mock" } } ] } ] }
        """;

    [Fact]
    public void UnchangedAuthorizer_IsTheSameInstance_AcrossReloads()
    {
        var first = ConfigFixture.Valid(Config("petstore"));
        var second = ConfigFixture.Valid(Config("petstore"));
        var changed = ConfigFixture.Valid(Config("other"));

        var a = first.RouteList.Single(r => r.RouteKey == "GET /a").Authorizer!;
        Assert.Same(a.Authorizer, second.RouteList.Single(r => r.RouteKey == "GET /a").Authorizer!.Authorizer);
        Assert.NotSame(a.Authorizer, changed.RouteList.Single(r => r.RouteKey == "GET /a").Authorizer!.Authorizer);
        Assert.Equal("x", Encoding.UTF8.GetString(Assert.Single(a.Scopes)));
        var open = first.RouteList.Single(r => r.RouteKey == "GET /b");
        Assert.Null(open.Authorizer);
        Assert.Equal("X-EdgeGw-Authorizer-", Encoding.ASCII.GetString(Assert.Single(open.AuthorizerHeaderPrefixes!)));
    }

    private static JwtAuthorizer Jwt(EdgeGw.Core.Model.GatewayModel model, string api, string routeKey) =>
        (JwtAuthorizer)model.RouteList.Single(r => r.ApiName == api && r.RouteKey == routeKey).Authorizer!.Authorizer;

    [Fact]
    public void KeySource_IsOnePerIssuerAndJwksUri_SharedByAuthorizers_AndKeptByAChangedOne()
    {
        const string issuer = "https://shared-keys.example.com/";
        string Config(string audience) => $$"""
            { "apis": [
              { "name": "a", "stages": [ { "name": "s" } ],
                "authorizers": [
                  { "name": "j1", "type": "jwt", "identitySource": "$request.header.Authorization", "jwt": { "issuer": "{{issuer}}", "audience": "{{audience}}" } },
                  { "name": "j2", "type": "jwt", "identitySource": "$request.header.X-Token", "jwt": { "issuer": "{{issuer}}", "audience": "other" } },
                  { "name": "j3", "type": "jwt", "identitySource": "$request.header.Authorization",
                    "jwt": { "issuer": "{{issuer}}", "audience": "other", "jwksUri": "https://shared-keys.example.com/keys" } } ],
                "routes": [ { "key": "GET /1", "authorizer": "j1", "integration": { "type": "mock" } },
                            { "key": "GET /2", "authorizer": "j2", "integration": { "type": "mock" } },
                            { "key": "GET /3", "authorizer": "j3", "integration": { "type": "mock" } } ] },
              { "name": "b", "stages": [ { "name": "t" } ],
                "authorizers": [ { "name": "j", "type": "jwt", "identitySource": "$request.header.Authorization", "jwt": { "issuer": "{{issuer}}", "audience": "b" } } ],
                "routes": [ { "key": "GET /1", "authorizer": "j", "integration": { "type": "mock" } } ] } ] }
            """;
        var first = ConfigFixture.Valid(Config("petstore"));
        var changed = ConfigFixture.Valid(Config("renamed"));

        var keys = Jwt(first, "a", "GET /1").Keys;
        Assert.Same(keys, Jwt(first, "a", "GET /2").Keys); // another authorizer of the API
        Assert.Same(keys, Jwt(first, "b", "GET /1").Keys); // another API
        Assert.NotSame(keys, Jwt(first, "a", "GET /3").Keys); // the same issuer's keys at an explicit jwksUri: its own source
        Assert.NotSame(Jwt(first, "a", "GET /1"), Jwt(changed, "a", "GET /1")); // a changed authorizer is new...
        Assert.Same(keys, Jwt(changed, "a", "GET /1").Keys); // ...and keeps the keys
    }
}
