using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeGw.Core.Tls;

/// <summary>Whether a domain's clients must present a certificate (<c>require</c>) or may (<c>optional</c>).</summary>
public enum MutualTlsMode
{
    Require,
    Optional,
}

/// <summary>
/// A custom domain's <c>mutualTls</c>, compiled: the truststore the client's chain must end in (only it: never the
/// system store), the mode, and the headers the verified certificate is forwarded in. AWS's rules for a
/// truststore and a client chain: at most <see cref="MaxChainLength"/> certificates, SHA-256 or stronger
/// signatures, RSA keys of at least 2048 bits and ECDSA keys of at least 256.
/// </summary>
public sealed class MutualTlsPolicy
{
    /// <summary>Certificates in a client's chain, the leaf and the trust anchor included (AWS's limit).</summary>
    public const int MaxChainLength = 4;
    public const string DefaultHeaderPrefix = "X-Client-Cert";

    private static readonly FrozenSet<string> StrongSignatures = new[]
    {
        "1.2.840.113549.1.1.11", // sha256WithRSAEncryption
        "1.2.840.113549.1.1.12", // sha384WithRSAEncryption
        "1.2.840.113549.1.1.13", // sha512WithRSAEncryption
        "1.2.840.113549.1.1.10", // RSASSA-PSS (the hash named in its parameters is not inspected)
        "1.2.840.10045.4.3.2",   // ecdsa-with-SHA256
        "1.2.840.10045.4.3.3",   // ecdsa-with-SHA384
        "1.2.840.10045.4.3.4",   // ecdsa-with-SHA512
        "1.3.101.112",           // Ed25519
        "1.3.101.113",           // Ed448
    }.ToFrozenSet(StringComparer.Ordinal);

    private const string ClientAuthUsage = "1.3.6.1.5.5.7.3.2";

    public MutualTlsPolicy(string domainName, MutualTlsMode mode, X509Certificate2Collection truststore, string truststoreFile, string headerPrefix, bool forwardCertificate)
    {
        DomainName = domainName;
        Mode = mode;
        Truststore = truststore;
        TruststoreFile = truststoreFile;
        HeaderPrefix = headerPrefix;
        ForwardCertificate = forwardCertificate;
        ChainPolicy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        ChainPolicy.CustomTrustStore.AddRange(truststore);
        ChainPolicy.ApplicationPolicy.Add(new Oid(ClientAuthUsage));
    }

    /// <summary>The domain (lower case; <c>*.example.com</c> for a wildcard domain).</summary>
    public string DomainName { get; }
    public MutualTlsMode Mode { get; }
    public X509Certificate2Collection Truststore { get; }
    public string TruststoreFile { get; }
    /// <summary>The verified certificate goes to the backend as <c>{prefix}-Subject</c>, <c>-Issuer</c>, <c>-Serial</c>, <c>-Not-After</c> and <c>{prefix}</c> (URL-encoded PEM).</summary>
    public string HeaderPrefix { get; }
    /// <summary>Whether the URL-encoded PEM header is sent (the others always are).</summary>
    public bool ForwardCertificate { get; }
    /// <summary>The chain policy SslStream builds the client's chain with: the truststore only, client authentication usage, no revocation fetches.</summary>
    public X509ChainPolicy ChainPolicy { get; }

    /// <summary>
    /// Whether the client's certificate, as SslStream built and checked its chain under <see cref="ChainPolicy"/>,
    /// is acceptable: a certificate was sent, the chain ends in the truststore, is valid now, and every certificate
    /// in it meets the algorithm rules. <paramref name="why"/> says what failed.
    /// </summary>
    public bool Verify(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, out string why)
    {
        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            why = "no client certificate";
            return false;
        }

        if (chain is null || (errors & SslPolicyErrors.RemoteCertificateChainErrors) != 0)
        {
            why = chain is null ? "no chain" : $"the chain does not verify against {TruststoreFile}: {ChainStatus(chain)}";
            return false;
        }

        if (chain.ChainElements.Count > MaxChainLength)
        {
            why = $"a chain of {chain.ChainElements.Count} certificates (at most {MaxChainLength})";
            return false;
        }

        foreach (var element in chain.ChainElements)
        {
            if (!MeetsAlgorithmRules(element.Certificate, out why))
            {
                return false;
            }
        }

        why = "";
        return true;
    }

    /// <summary>AWS's rules for a certificate in a truststore or a client chain: SHA-256+ signature, RSA ≥ 2048 or ECDSA ≥ 256 bits.</summary>
    public static bool MeetsAlgorithmRules(X509Certificate2 certificate, out string why)
    {
        string signature = certificate.SignatureAlgorithm.Value ?? "";
        if (!StrongSignatures.Contains(signature))
        {
            why = $"'{certificate.Subject}' is signed with {certificate.SignatureAlgorithm.FriendlyName ?? signature} (SHA-256 or stronger required)";
            return false;
        }

        if (certificate.GetRSAPublicKey() is { } rsa)
        {
            using (rsa)
            {
                if (rsa.KeySize < 2048)
                {
                    why = $"'{certificate.Subject}' has a {rsa.KeySize}-bit RSA key (at least 2048)";
                    return false;
                }
            }
        }
        else if (certificate.GetECDsaPublicKey() is { } ecdsa)
        {
            using (ecdsa)
            {
                if (ecdsa.KeySize < 256)
                {
                    why = $"'{certificate.Subject}' has a {ecdsa.KeySize}-bit ECDSA key (at least 256)";
                    return false;
                }
            }
        }

        why = "";
        return true;
    }

    private static string ChainStatus(X509Chain chain)
    {
        var parts = new List<string>();
        foreach (var status in chain.ChainStatus)
        {
            parts.Add(status.Status.ToString());
        }

        return parts.Count == 0 ? "untrusted" : string.Join(", ", parts);
    }

    /// <summary>
    /// Loads a PEM truststore: every certificate in the file, each of which must meet the algorithm rules.
    /// Null with <paramref name="error"/> when the file cannot be read, holds no certificate, or one is too weak.
    /// </summary>
    public static X509Certificate2Collection? LoadTruststore(string file, out string? error, List<string>? warnings = null)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPemFile(file);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            error = $"cannot read the truststore '{file}': {ex.Message}";
            return null;
        }

        if (collection.Count == 0)
        {
            error = $"'{file}' holds no PEM certificate (-----BEGIN CERTIFICATE-----)";
            return null;
        }

        var now = DateTime.UtcNow;
        foreach (var certificate in collection)
        {
            if (!MeetsAlgorithmRules(certificate, out string why))
            {
                error = $"the truststore '{file}': {why}";
                return null;
            }

            if (certificate.NotAfter.ToUniversalTime() < now)
            {
                warnings?.Add($"'{certificate.Subject}' in the truststore '{file}' expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm:ss} UTC: no client chain ending in it verifies");
            }
        }

        error = null;
        return collection;
    }
}

/// <summary>
/// The domains with mutual TLS, by name (exact names, and <c>*.example.com</c> under <c>example.com</c>), so a
/// handshake finds its client-certificate policy from the SNI as it finds its certificate. Immutable.
/// </summary>
public sealed class MutualTlsPolicies
{
    private readonly SniIndex<MutualTlsPolicy> _domains;

    public MutualTlsPolicies(ImmutableArray<MutualTlsPolicy> policies)
    {
        Policies = policies;
        var names = new List<(string, MutualTlsPolicy)>();
        var prefixes = ImmutableArray.CreateBuilder<byte[]>();
        foreach (var policy in policies)
        {
            names.Add((policy.DomainName, policy));
            byte[] prefix = System.Text.Encoding.ASCII.GetBytes(policy.HeaderPrefix);
            bool known = false;
            foreach (var p in prefixes)
            {
                known |= System.Text.Ascii.EqualsIgnoreCase(p, prefix);
            }

            if (!known)
            {
                prefixes.Add(prefix);
            }
        }

        _domains = new SniIndex<MutualTlsPolicy>(names);
        HeaderPrefixes = prefixes.ToImmutable();
    }

    public ImmutableArray<MutualTlsPolicy> Policies { get; }

    /// <summary>
    /// The header name prefixes of every policy (ASCII): a client-sent header starting with one is dropped on every
    /// request, on every listener, so a backend never sees a forged client identity whichever way a request came in.
    /// </summary>
    public ImmutableArray<byte[]> HeaderPrefixes { get; }

    /// <summary>The policy of the domain <paramref name="serverName"/> (the client's SNI) falls under; null when none.</summary>
    public MutualTlsPolicy? Find(ReadOnlySpan<char> serverName) => _domains.Find(serverName);
}
