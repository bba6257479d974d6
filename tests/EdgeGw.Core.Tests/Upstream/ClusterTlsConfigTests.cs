using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using EdgeGw.Core.Tests.Configuration;
using EdgeGw.Core.Upstream;

namespace EdgeGw.Core.Tests.Upstream;

/// <summary><c>clusters[].tls</c> and <c>https://</c> destinations: reading, checking with paths, compiling.</summary>
public sealed class ClusterTlsConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegw-tlsconfig-").FullName;
    private readonly string _caFile;
    private readonly string _certFile;
    private readonly string _keyFile;

    public ClusterTlsConfigTests()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Test CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        _caFile = Write("ca.pem", ca.ExportCertificatePem());
        _certFile = _caFile;
        _keyFile = Write("ca.key", key.ExportPkcs8PrivateKeyPem());
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static string J(string path) => JsonSerializer.Serialize(path);

    private static string Cluster(string destination, string tls) =>
        $$"""{ "clusters": [ { "name": "c", "destinations": [ "{{destination}}" ]{{(tls.Length == 0 ? "" : ", \"tls\": " + tls)}} } ] }""";

    [Theory]
    [InlineData("https://10.0.0.1:8443", "10.0.0.1", 8443, true)]
    [InlineData("https://backend.internal", "backend.internal", 443, true)]
    [InlineData("HTTPS://[::1]", "::1", 443, true)]
    [InlineData("http://backend.internal", "backend.internal", 80, false)]
    [InlineData("backend.internal:81", "backend.internal", 81, false)]
    public void Destinations_TakeAnOptionalScheme_AndItsDefaultPort(string text, string host, int port, bool tls)
    {
        var section = new ClusterSection();
        Assert.Empty(SectionFixture.Run(section, Cluster(text, "")));

        var cluster = Assert.Single(section.Compile());

        var destination = Assert.Single(cluster.Destinations);
        Assert.Equal((host, port, tls), (destination.Host, destination.Port, destination.UseTls));
        // An https destination without tls verifies against the system store.
        Assert.Equal(tls, cluster.Tls is { TrustedRoots: null, InsecureSkipVerify: false, ClientCertificate: null });
    }

    [Theory]
    [InlineData("https://host:443/path")]
    [InlineData("ftp://host:21")]
    [InlineData("https://:443")]
    public void Destinations_WithAPathOrAnotherScheme_AreErrors(string text)
    {
        var errors = SectionFixture.Run(new ClusterSection(), Cluster(text, ""));

        Assert.Equal(["clusters[0].destinations[0]"], SectionFixture.Paths(errors));
    }

    [Fact]
    public void SameAuthorityWithAndWithoutScheme_IsListedTwice()
    {
        var errors = SectionFixture.Run(new ClusterSection(),
            """{ "clusters": [ { "name": "c", "destinations": [ "https://a:443", "a:443" ] } ] }""");

        Assert.Equal(["clusters[0].destinations[1]"], SectionFixture.Paths(errors));
    }

    [Fact]
    public void Tls_Compiles_CaBundle_ServerName_AndClientCertificate()
    {
        var section = new ClusterSection();
        Assert.Empty(SectionFixture.Run(section, Cluster("https://10.0.0.1:8443",
            $$"""{ "caFile": {{J(_caFile)}}, "serverName": "backend.internal", "certFile": {{J(_certFile)}}, "keyFile": {{J(_keyFile)}} }""")));

        var tls = Assert.Single(section.Compile()).Tls!;

        Assert.Equal("backend.internal", tls.ServerName);
        Assert.Equal("CN=Test CA", Assert.Single(tls.TrustedRoots!).Subject);
        Assert.NotNull(tls.ClientCertificate);
        var options = tls.CreateOptions("10.0.0.1");
        Assert.Equal("backend.internal", options.TargetHost);
        Assert.Equal(X509ChainTrustMode.CustomRootTrust, options.CertificateChainPolicy!.TrustMode);
        Assert.Equal(System.Security.Authentication.SslProtocols.Tls12 | System.Security.Authentication.SslProtocols.Tls13, options.EnabledSslProtocols);
        Assert.Equal("10.0.0.1", new EdgeGw.Core.Model.UpstreamTlsSettings { Fingerprint = "x" }.CreateOptions("10.0.0.1").TargetHost);
    }

    [Fact]
    public void Tls_ReportsEveryProblem_WithItsPath()
    {
        string garbage = Write("garbage.pem", "not a certificate");
        var errors = SectionFixture.Run(new ClusterSection(), """
            { "clusters": [
              { "name": "a", "destinations": [ "https://h:1" ], "tls": { "caFile": "/nonexistent/ca.pem", "serverName": "bad name", "certFile": "/nonexistent/c.pem" } },
              { "name": "b", "destinations": [ "https://h:2" ], "tls": { "caFile": 
            """ + J(garbage) + """
             , "insecureSkipVerify": true, "unknown": 1 } },
              { "name": "c", "destinations": [ "h:3" ], "tls": { "insecureSkipVerify": true } }
            ] }
            """);

        Assert.True(errors.Count == 7, string.Join("\n", errors.Select(e => $"{e.Path}: {e.Message}")));
        Assert.Equal(
        [
            "clusters[1].tls.unknown",
            "clusters[0].tls.serverName",
            "clusters[0].tls.caFile",
            "clusters[0].tls.keyFile",
            "clusters[1].tls.caFile",
            "clusters[1].tls.caFile",
            "clusters[2].tls",
        ], SectionFixture.Paths(errors));
        Assert.Contains("does not exist", errors[2].Message);
        Assert.Contains("needs both certFile and keyFile", errors[3].Message);
        Assert.Contains("insecureSkipVerify accepts any certificate", errors[4].Message);
        Assert.Contains("holds no PEM certificate", errors[5].Message);
        Assert.Contains("no destination is https://host:port", errors[6].Message);
    }

    [Fact]
    public void Tls_KeyThatIsNotTheCertificates_IsAnErrorOnKeyFile()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        string otherKey = Write("other.key", other.ExportPkcs8PrivateKeyPem());

        var errors = SectionFixture.Run(new ClusterSection(), Cluster("https://h:1",
            $$"""{ "certFile": {{J(_certFile)}}, "keyFile": {{J(otherKey)}} }"""));

        var error = Assert.Single(errors);
        Assert.Equal("clusters[0].tls.keyFile", error.Path);
        Assert.Contains("are not a PEM certificate and its private key", error.Message);
    }
}
