using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeGw.Core.Tests.Configuration;
using EdgeGw.Core.Tls;

namespace EdgeGw.Core.Tests.Tls;

/// <summary>
/// Mutual TLS: AWS's algorithm rules for a truststore and a client chain, the truststore file's checks with
/// their JSON paths, and the lookup of a domain's policy by SNI.
/// </summary>
public sealed class MutualTlsPolicyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgegw-mtls-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static X509Certificate2 SelfSigned(AsymmetricAlgorithm key, HashAlgorithmName hash)
    {
        var request = key switch
        {
            RSA rsa => new CertificateRequest("CN=Test CA", rsa, hash, RSASignaturePadding.Pkcs1),
            ECDsa ecdsa => new CertificateRequest("CN=Test CA", ecdsa, hash),
            _ => throw new ArgumentException("RSA or ECDSA", nameof(key)),
        };
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        if (hash != HashAlgorithmName.SHA1)
        {
            return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        }

        // .NET no longer signs certificates with SHA-1; a generator of our own still can, for the refusal.
        return request.Create(request.SubjectName, new Sha1Signer(key), DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30), [1, 2, 3]);
    }

    /// <summary>Signs with SHA-1 (sha1WithRSAEncryption / ecdsa-with-SHA1) whatever hash the request names.</summary>
    private sealed class Sha1Signer(AsymmetricAlgorithm key) : X509SignatureGenerator
    {
        private readonly X509SignatureGenerator _inner = key is RSA rsa
            ? CreateForRSA(rsa, RSASignaturePadding.Pkcs1)
            : CreateForECDsa((ECDsa)key);

        public override byte[] GetSignatureAlgorithmIdentifier(HashAlgorithmName hashAlgorithm) => key is RSA
            ? [0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x05, 0x05, 0x00]
            : [0x30, 0x09, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x01];

        public override byte[] SignData(byte[] data, HashAlgorithmName hashAlgorithm) => key is RSA rsa
            ? rsa.SignData(data, HashAlgorithmName.SHA1, RSASignaturePadding.Pkcs1)
            : ((ECDsa)key).SignData(data, HashAlgorithmName.SHA1, DSASignatureFormat.Rfc3279DerSequence);

        protected override PublicKey BuildPublicKey() => _inner.PublicKey;
    }

    public static TheoryData<string, int, string, bool> Algorithms => new()
    {
        { "rsa", 2048, "SHA256", true },
        { "rsa", 3072, "SHA384", true },
        { "rsa", 1024, "SHA256", false },
        { "rsa", 2048, "SHA1", false },
        { "ecdsa", 256, "SHA256", true },
        { "ecdsa", 384, "SHA384", true },
        { "ecdsa", 256, "SHA1", false },
    };

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void AlgorithmRules_AreAwss(string kind, int bits, string hash, bool accepted)
    {
        using AsymmetricAlgorithm key = kind == "rsa" ? RSA.Create(bits) : ECDsa.Create(bits == 256 ? ECCurve.NamedCurves.nistP256 : ECCurve.NamedCurves.nistP384);
        using var certificate = SelfSigned(key, new HashAlgorithmName(hash));

        Assert.Equal(accepted, MutualTlsPolicy.MeetsAlgorithmRules(certificate, out string why));
        Assert.Equal(accepted, why.Length == 0);
    }

    [Fact]
    public void Truststore_IsCheckedWithItsJsonPath()
    {
        string empty = Path.Combine(_dir, "empty.pem");
        File.WriteAllText(empty, "no certificate here\n");
        string weak = Path.Combine(_dir, "weak.pem");
        using (var rsa = RSA.Create(1024))
        using (var cert = SelfSigned(rsa, HashAlgorithmName.SHA256))
        {
            File.WriteAllText(weak, cert.ExportCertificatePem());
        }

        var result = ConfigFixture.Load($$"""
            { "apis": [ { "name": "a", "stages": [ { "name": "prod" } ], "routes": [ { "key": "$default", "integration": { "type": "mock" } } ] } ],
              "domains": [
                { "name": "a.test", "mutualTls": { "truststoreFile": {{J(empty)}} }, "mappings": [] },
                { "name": "b.test", "mutualTls": { "truststoreFile": {{J(weak)}}, "mode": "sometimes" }, "mappings": [] },
                { "name": "c.test", "mutualTls": { "truststoreFile": "/nonexistent/ca.pem", "headerPrefix": "X-Forwarded-Cert" }, "mappings": [] },
                { "name": "d.test", "mutualTls": { "headerPrefix": "Bad Prefix", "extra": true }, "mappings": [] } ] }
            """);

        Assert.Null(result.Model);
        Assert.Equal(
        [
            "domains[3].mutualTls.extra",
            "domains[0].mutualTls.truststoreFile",
            "domains[1].mutualTls.mode",
            "domains[1].mutualTls.truststoreFile",
            "domains[2].mutualTls.headerPrefix",
            "domains[2].mutualTls.truststoreFile",
            "domains[3].mutualTls.headerPrefix",
            "domains[3].mutualTls.truststoreFile",
        ], result.Errors.Select(e => e.Path));
        var messages = result.Errors.Select(e => e.Message).ToList();
        Assert.Contains("holds no PEM certificate", messages[1]);
        Assert.Contains("1024-bit RSA key (at least 2048)", messages[3]);
        Assert.Contains("gateway owns", messages[4]);
        Assert.Contains("does not exist", messages[5]);
        Assert.Contains("expected the path of", messages[7]);
    }

    [Fact]
    public void Policies_AreFoundBySni_ExactThenWildcard_AndTheirPrefixesCollected()
    {
        var store = new X509Certificate2Collection();
        var policies = new MutualTlsPolicies(
        [
            new MutualTlsPolicy("api.example.com", MutualTlsMode.Require, store, "ca.pem", "X-Client-Cert", true),
            new MutualTlsPolicy("*.partners.example.com", MutualTlsMode.Optional, store, "ca.pem", "x-client-cert", true),
            new MutualTlsPolicy("b2b.example.com", MutualTlsMode.Require, store, "ca.pem", "X-Partner-Cert", false),
        ]);

        Assert.Equal("api.example.com", policies.Find("API.example.com.")?.DomainName);
        Assert.Equal(MutualTlsMode.Optional, policies.Find("acme.partners.example.com")?.Mode);
        Assert.Null(policies.Find("partners.example.com"));
        Assert.Null(policies.Find("a.b.partners.example.com"));
        Assert.Null(policies.Find(""));
        Assert.Equal(["X-Client-Cert", "X-Partner-Cert"], policies.HeaderPrefixes.Select(p => System.Text.Encoding.ASCII.GetString(p)));
    }

    private static string J(string path) => System.Text.Json.JsonSerializer.Serialize(path);
}
