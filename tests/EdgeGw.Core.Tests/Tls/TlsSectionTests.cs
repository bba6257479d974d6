using EdgeGw.Core.Tests.Configuration;
using EdgeGw.Tests.Tls;

namespace EdgeGw.Core.Tests.Tls;

public sealed class TlsSectionTests : IDisposable
{
    private readonly TestCertificates _certs = new();

    public void Dispose() => _certs.Dispose();

    private static string Json(string value) => System.Text.Json.JsonSerializer.Serialize(value);

    private static string Config(string tls, string listen = "\"https://127.0.0.1:8443\"") =>
        ConfigFixture.Api($"{{ \"key\": \"GET /x\", {ConfigFixture.Mock} }}", $"\"server\": {{ \"listen\": [{listen}] {(tls.Length > 0 ? ", \"tls\": " + tls : "")} }},");

    [Fact]
    public void Valid_CompilesPolicyAndCertificates()
    {
        var (cert, key, _) = _certs.Leaf("a", ["a.test"]);
        var (cert2, key2, _) = _certs.Leaf("b", ["*.b.test"], rsa: true);
        var model = ConfigFixture.Valid(Config($$"""
            { "certificates": [ { "certFile": {{Json(cert)}}, "keyFile": {{Json(key)}} }, { "certFile": {{Json(cert2)}}, "keyFile": {{Json(key2)}}, "default": true } ],
              "minVersion": "1.3", "unknownSni": "reject", "handshakeTimeoutSeconds": 5 }
            """));

        var tls = model.Server.Tls!;
        Assert.Equal(System.Security.Authentication.SslProtocols.Tls13, tls.Protocols);
        Assert.True(tls.RejectUnknownSni);
        Assert.Equal(TimeSpan.FromSeconds(5), tls.HandshakeTimeout);
        Assert.Equal(2, tls.Certificates.Pairs.Length);
        Assert.Same(tls.Certificates.Pairs[1], tls.Certificates.Default);
    }

    [Fact]
    public void Defaults_Tls12Up_DefaultCertificateForUnknownNames_TenSecondHandshake()
    {
        var (cert, key, _) = _certs.Leaf("a", ["a.test"]);
        var tls = ConfigFixture.Valid(Config($$"""{ "certificates": [ { "certFile": {{Json(cert)}}, "keyFile": {{Json(key)}} } ] }""")).Server.Tls!;

        Assert.Equal(System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13, tls.Protocols);
        Assert.False(tls.RejectUnknownSni);
        Assert.Equal(TimeSpan.FromSeconds(10), tls.HandshakeTimeout);
        Assert.True(tls.ReleaseBuffers);
        Assert.Equal(TimeSpan.FromHours(1), tls.TicketKeyRotation);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("60", 60)]
    [InlineData("604800", 604800)]
    [InlineData("-1", null)]
    [InlineData("604801", null)]
    public void TicketKeyRotationSeconds_ZeroTurnsItOff_UpToAWeek(string value, int? seconds)
    {
        var (cert, key, _) = _certs.Leaf("a", ["a.test"]);
        string config = Config($$"""{ "certificates": [ { "certFile": {{Json(cert)}}, "keyFile": {{Json(key)}} } ], "ticketKeyRotationSeconds": {{value}} }""");
        if (seconds is { } expected)
        {
            Assert.Equal(TimeSpan.FromSeconds(expected), ConfigFixture.Valid(config).Server.Tls!.TicketKeyRotation);
        }
        else
        {
            Assert.Equal(["server.tls.ticketKeyRotationSeconds"], ConfigFixture.ErrorPaths(config));
        }
    }

    [Fact]
    public void ReleaseBuffers_CanBeTurnedOff_AndMustBeABoolean()
    {
        var (cert, key, _) = _certs.Leaf("a", ["a.test"]);
        string certificates = $$"""[ { "certFile": {{Json(cert)}}, "keyFile": {{Json(key)}} } ]""";
        Assert.False(ConfigFixture.Valid(Config($$"""{ "certificates": {{certificates}}, "releaseBuffers": false }""")).Server.Tls!.ReleaseBuffers);
        Assert.Equal(["server.tls.releaseBuffers"], ConfigFixture.ErrorPaths(Config($$"""{ "certificates": {{certificates}}, "releaseBuffers": "yes" }""")));
    }

    [Fact]
    public void HttpsListener_WithoutTls_IsAnError()
    {
        Assert.Equal(["server.listen[0]"], ConfigFixture.ErrorPaths(Config("")));
    }

    [Fact]
    public void HttpOnly_WithoutTls_HasNoTlsSettings()
    {
        Assert.Null(ConfigFixture.Valid(Config("", listen: "\"http://127.0.0.1:8080\"")).Server.Tls);
    }

    [Fact]
    public void EveryProblem_IsReportedWithItsPath()
    {
        var (certA, keyA, _) = _certs.Leaf("a", ["a.test"]);
        var (_, keyB, _) = _certs.Leaf("b", ["b.test"]);
        string missing = Path.Combine(_certs.Directory, "missing.pem");
        var result = ConfigFixture.Load(Config($$"""
            { "certificates": [
                { "certFile": {{Json(missing)}}, "keyFile": {{Json(keyA)}} },
                { "certFile": {{Json(certA)}}, "keyFile": {{Json(keyB)}} },
                { "keyFile": {{Json(keyA)}}, "colour": 1 } ],
              "minVersion": "1.1", "unknownSni": "ignore", "handshakeTimeoutSeconds": 0 }
            """));

        Assert.Null(result.Model);
        Assert.Equal(
            [
                "server.tls.certificates[2].colour",
                "server.tls.minVersion",
                "server.tls.unknownSni",
                "server.tls.handshakeTimeoutSeconds",
                "server.tls.certificates[2].certFile",
                "server.tls.certificates",
                "server.tls.certificates[0]",
                "server.tls.certificates[1]",
            ],
            result.Errors.Select(e => e.Path));
        Assert.Contains("missing.pem", result.Errors[6].Message, StringComparison.Ordinal);
        Assert.Contains("does not match", result.Errors[7].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SeveralCertificates_NeedADefault_UnlessUnknownNamesAreRefused()
    {
        var (certA, keyA, _) = _certs.Leaf("a", ["a.test"]);
        var (certB, keyB, _) = _certs.Leaf("b", ["b.test"]);
        string list = $$"""[ { "certFile": {{Json(certA)}}, "keyFile": {{Json(keyA)}} }, { "certFile": {{Json(certB)}}, "keyFile": {{Json(keyB)}} } ]""";

        Assert.Equal(["server.tls.certificates"], ConfigFixture.ErrorPaths(Config($$"""{ "certificates": {{list}} }""")));
        Assert.Null(ConfigFixture.Valid(Config($$"""{ "certificates": {{list}}, "unknownSni": "reject" }""")).Server.Tls!.Certificates.Default);
        string twoDefaults = $$"""[ { "certFile": {{Json(certA)}}, "keyFile": {{Json(keyA)}}, "default": true }, { "certFile": {{Json(certB)}}, "keyFile": {{Json(keyB)}}, "default": true } ]""";
        Assert.Equal(["server.tls.certificates[1].default"], ConfigFixture.ErrorPaths(Config($$"""{ "certificates": {{twoDefaults}} }""")));
    }

    [Fact]
    public void ExpiredCertificate_IsAWarning_NotAnError()
    {
        var (cert, key, _) = _certs.Leaf("old", ["old.test"], expired: true);
        var result = ConfigFixture.Load(Config($$"""{ "certificates": [ { "certFile": {{Json(cert)}}, "keyFile": {{Json(key)}} } ] }"""));

        Assert.NotNull(result.Model);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal("server.tls.certificates[0]", warning.Path);
        Assert.Contains("expired", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ServerSection_AcceptsHttpsListenUrls()
    {
        var (cert, key, _) = _certs.Leaf("a", ["a.test"]);
        var model = ConfigFixture.Valid(Config($$"""{ "certificates": [ { "certFile": {{Json(cert)}}, "keyFile": {{Json(key)}} } ] }""", listen: "\"https://0.0.0.0:8443\", \"http://[::1]:8080\""));

        Assert.Equal(["https://0.0.0.0:8443", "http://[::1]:8080"], model.Server.Listen.Select(static e => e.Url).ToArray());
        Assert.True(EdgeGw.Core.Tls.TlsSettings.IsHttps(model.Server.Listen[0].Url));
        Assert.False(EdgeGw.Core.Tls.TlsSettings.IsHttps(model.Server.Listen[1].Url));
    }
}
