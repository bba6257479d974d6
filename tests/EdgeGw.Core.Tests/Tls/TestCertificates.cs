using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeGw.Tests.Tls;

/// <summary>
/// Certificates made in the test: a test CA and leaves signed by it (RSA or ECDSA P-256, any DNS names, any
/// validity), written as PEM to a temporary directory that goes with the instance. Shared by Core.Tests and the
/// functional tests (linked into both).
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private readonly ECDsa _caKey;
    private int _serial;

    public TestCertificates()
    {
        Directory = Path.Combine(Path.GetTempPath(), "edgegw-tls-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=EdgeGw Test CA", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
        CaFile = Path.Combine(Directory, "ca.pem");
        File.WriteAllText(CaFile, Ca.ExportCertificatePem());
    }

    public string Directory { get; }
    public X509Certificate2 Ca { get; }
    /// <summary>The CA certificate as PEM (for curl --cacert, openssl -CAfile).</summary>
    public string CaFile { get; }

    /// <summary>A leaf for <paramref name="names"/> (DNS SANs, the first also the CN) written as <c>{file}.pem</c>/<c>{file}.key</c>.</summary>
    /// <param name="rsa">RSA 2048 rather than ECDSA P-256.</param>
    /// <param name="expired">Valid until yesterday.</param>
    /// <param name="withChain">The cert file also holds the CA after the leaf.</param>
    public (string CertFile, string KeyFile, X509Certificate2 Certificate) Leaf(string file, string[] names, bool rsa = false, bool expired = false, bool withChain = false)
    {
        using AsymmetricAlgorithm key = rsa ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = key is RSA r
            ? new CertificateRequest($"CN={names[0]}", r, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            : new CertificateRequest($"CN={names[0]}", (ECDsa)key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            san.AddDnsName(name);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        var (from, to) = expired ? (now.AddDays(-30), now.AddDays(-1)) : (now.AddDays(-1), now.AddDays(90));
        byte[] serial = BitConverter.GetBytes(Interlocked.Increment(ref _serial) + 1000L);
        using var cert = request.Create(Ca.SubjectName, X509SignatureGenerator.CreateForECDsa(_caKey), from, to, serial);
        string certFile = Path.Combine(Directory, file + ".pem");
        string keyFile = Path.Combine(Directory, file + ".key");
        string pem = cert.ExportCertificatePem() + "\n" + (withChain ? Ca.ExportCertificatePem() + "\n" : "");
        File.WriteAllText(certFile, pem);
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        return (certFile, keyFile, X509CertificateLoader.LoadCertificate(cert.RawData));
    }

    /// <summary>Moves a file's modification time forward, so a rewrite within the clock's resolution is still seen as a change.</summary>
    public static void Touch(string file, int seconds) => File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddSeconds(seconds));

    /// <summary>Whether <paramref name="certificate"/> chains to this CA (what a client with only the CA trusts).</summary>
    public bool Trusts(X509Certificate certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    public void Dispose()
    {
        _caKey.Dispose();
        Ca.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
