using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace EdgeGw.Core.Model;

/// <summary>
/// A cluster's <c>tls</c>: how its <c>https://</c> destinations are verified and whom the gateway presents itself
/// as. Built once per config load from the files it names; each destination derives its
/// <see cref="SslClientAuthenticationOptions"/> from it once (<see cref="CreateOptions"/>), so a connect does no
/// per-connection setup beyond the handshake itself.
/// </summary>
public sealed class UpstreamTlsSettings
{
    /// <summary>TLS 1.2 and 1.3 only.</summary>
    public const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>The SNI name and the name checked in the certificate; null: each destination's own host.</summary>
    public string? ServerName { get; init; }
    /// <summary>The only trust anchors (from <c>tls.caFile</c>); null: the system store.</summary>
    public X509Certificate2Collection? TrustedRoots { get; init; }
    /// <summary>The client certificate for backends that ask for one (<c>tls.certFile</c>/<c>tls.keyFile</c>).</summary>
    public SslStreamCertificateContext? ClientCertificate { get; init; }
    /// <summary>Development only: accept any certificate (a warning is logged each time a config with it loads).</summary>
    public bool InsecureSkipVerify { get; init; }
    /// <summary>The settings' identity across reloads (paths, names and the files' SHA-256): a change closes idle connections.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>The handshake options for a destination whose host is <paramref name="host"/>.</summary>
    public SslClientAuthenticationOptions CreateOptions(string host)
    {
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = ServerName ?? host,
            EnabledSslProtocols = Protocols,
            ApplicationProtocols = [SslApplicationProtocol.Http11],
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            ClientCertificateContext = ClientCertificate,
        };

        if (InsecureSkipVerify)
        {
            options.RemoteCertificateValidationCallback = static (_, _, _, _) => true;
        }
        else if (TrustedRoots is { } roots)
        {
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(roots);
            options.CertificateChainPolicy = policy;
        }

        return options;
    }
}
