using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeGw.Server.FunctionalTests.Infrastructure;

/// <summary>
/// A throwaway PKI made with <see cref="CertificateRequest"/>: a CA and certificates it signs, written as PEM
/// files into a temporary directory removed on dispose (the gateway reads its TLS settings from files).
/// </summary>
public sealed class TestPki : IDisposable
{
    private TestPki(string directory) => Directory = directory;

    public string Directory { get; }

    public static TestPki Create() =>
        new(System.IO.Directory.CreateTempSubdirectory("edgegw-tls-").FullName);

    /// <summary>A self-signed CA (ECDSA P-256).</summary>
    public X509Certificate2 CreateCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    /// <summary>A leaf signed by <paramref name="ca"/> for <paramref name="dnsNames"/> (and 127.0.0.1 when <paramref name="loopbackIp"/>).</summary>
    public static X509Certificate2 Issue(X509Certificate2 ca, string subject, string[] dnsNames, bool loopbackIp, bool client = false)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={subject}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [client ? new Oid("1.3.6.1.5.5.7.3.2") : new Oid("1.3.6.1.5.5.7.3.1")], false));
        var names = new SubjectAlternativeNameBuilder();
        foreach (string name in dnsNames)
        {
            names.AddDnsName(name);
        }

        if (loopbackIp)
        {
            names.AddIpAddress(IPAddress.Loopback);
        }

        if (dnsNames.Length > 0 || loopbackIp)
        {
            request.CertificateExtensions.Add(names.Build());
        }

        byte[] serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        using var signed = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), serial);
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>Writes <paramref name="certificate"/> (PEM) and returns the path.</summary>
    public string WriteCertificate(X509Certificate2 certificate, string fileName)
    {
        string path = Path.Combine(Directory, fileName);
        File.WriteAllText(path, certificate.ExportCertificatePem());
        return path;
    }

    /// <summary>Writes the private key of <paramref name="certificate"/> (PKCS#8 PEM) and returns the path.</summary>
    public string WriteKey(X509Certificate2 certificate, string fileName)
    {
        string path = Path.Combine(Directory, fileName);
        using var key = certificate.GetECDsaPrivateKey()!;
        File.WriteAllText(path, key.ExportPkcs8PrivateKeyPem());
        return path;
    }

    /// <summary>JSON string literal of a path (backslashes and quotes escaped).</summary>
    public static string Json(string path) => System.Text.Json.JsonSerializer.Serialize(path);

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
