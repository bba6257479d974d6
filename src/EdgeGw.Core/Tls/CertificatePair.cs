using System.Collections.Immutable;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeGw.Core.Tls;

/// <summary>
/// One certificate and its private key, loaded from PEM files and compiled for the handshake: the
/// <see cref="SslStreamCertificateContext"/> (leaf, key and chain, built once and shared by every handshake, which
/// also lets the platform keep one TLS context per certificate and resume sessions), the DNS names it answers
/// for and the files' stamps for hot reload. Immutable; a changed file makes a new pair.
/// </summary>
public sealed class CertificatePair
{
    private CertificatePair(string certFile, string keyFile, X509Certificate2 leaf, SslStreamCertificateContext context,
        ImmutableArray<string> names, FileStamp certStamp, FileStamp keyStamp)
    {
        CertFile = certFile;
        KeyFile = keyFile;
        Leaf = leaf;
        Context = context;
        Names = names;
        CertStamp = certStamp;
        KeyStamp = keyStamp;
    }

    public string CertFile { get; }
    public string KeyFile { get; }
    public X509Certificate2 Leaf { get; }
    public SslStreamCertificateContext Context { get; }
    /// <summary>Lower-case DNS names from the subject alternative names (the subject's CN only when there are none); <c>*.example.com</c> for wildcards.</summary>
    public ImmutableArray<string> Names { get; }
    public DateTime NotAfter => Leaf.NotAfter.ToUniversalTime();
    internal FileStamp CertStamp { get; }
    internal FileStamp KeyStamp { get; }

    /// <summary>Whether either file's modification time or length differs from when this pair was loaded.</summary>
    public bool FilesChanged() => FileStamp.Of(CertFile) != CertStamp || FileStamp.Of(KeyFile) != KeyStamp;

    /// <summary>
    /// Loads <paramref name="certFile"/> (the leaf first, then any chain certificates) and <paramref name="keyFile"/>
    /// (PEM, RSA or ECDSA, PKCS#1/PKCS#8/SEC1). Returns null with a one-line reason: missing or unreadable file,
    /// no certificate, a key that is not PEM or does not match the certificate.
    /// </summary>
    public static CertificatePair? TryLoad(string certFile, string keyFile, out string? error)
    {
        var certStamp = FileStamp.Of(certFile);
        var keyStamp = FileStamp.Of(keyFile);
        string certPem, keyPem;
        try
        {
            certPem = File.ReadAllText(certFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            error = $"cannot read certificate file '{certFile}': {e.Message}";
            return null;
        }

        try
        {
            keyPem = File.ReadAllText(keyFile);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            error = $"cannot read key file '{keyFile}': {e.Message}";
            return null;
        }

        var chain = new X509Certificate2Collection();
        try
        {
            chain.ImportFromPem(certPem);
        }
        catch (CryptographicException e)
        {
            error = $"'{certFile}' is not a PEM certificate: {e.Message}";
            return null;
        }

        if (chain.Count == 0)
        {
            error = $"'{certFile}' holds no PEM certificate";
            return null;
        }

        X509Certificate2 leaf;
        try
        {
            using var withoutKey = chain[0];
            leaf = X509Certificate2.CreateFromPem(certPem, keyPem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            error = $"the key in '{keyFile}' does not match the certificate in '{certFile}' or is not a PEM private key ({e.Message})";
            return null;
        }

        var intermediates = new X509Certificate2Collection();
        for (int i = 1; i < chain.Count; i++)
        {
            intermediates.Add(chain[i]);
        }

        // offline: the chain is built from the file alone (no AIA download, no OCSP fetch on the accept path).
        var context = SslStreamCertificateContext.Create(leaf, intermediates, offline: true);
        error = null;
        return new CertificatePair(certFile, keyFile, leaf, context, DnsNames(leaf), certStamp, keyStamp);
    }

    private static ImmutableArray<string> DnsNames(X509Certificate2 leaf)
    {
        var names = ImmutableArray.CreateBuilder<string>();
        foreach (var extension in leaf.Extensions)
        {
            if (extension is X509SubjectAlternativeNameExtension san)
            {
                foreach (var name in san.EnumerateDnsNames())
                {
                    names.Add(CertificateNames.Normalize(name));
                }
            }
        }

        if (names.Count == 0 && leaf.GetNameInfo(X509NameType.DnsName, forIssuer: false) is { Length: > 0 } cn)
        {
            names.Add(CertificateNames.Normalize(cn));
        }

        return names.ToImmutable();
    }
}

/// <summary>A file's modification time and length, compared to notice a rewrite without reading the file.</summary>
internal readonly record struct FileStamp(DateTime LastWriteUtc, long Length)
{
    public static FileStamp Of(string path)
    {
        try
        {
            var info = new FileInfo(path);
            return info.Exists ? new FileStamp(info.LastWriteTimeUtc, info.Length) : default;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return default;
        }
    }
}
