using System.Net.Security;
using EdgeGw.Core.Tls;

namespace EdgeGw.Server.Tls;

/// <summary>
/// <see cref="TlsSettings"/> with an <see cref="SslServerAuthenticationOptions"/> per certificate, built once per
/// store (not per handshake): the SNI callback picks one by name and hands it to SslStream as is.
/// </summary>
internal sealed class TlsListenerOptions
{
    private static readonly List<SslApplicationProtocol> Alpn = [SslApplicationProtocol.Http11];

    private readonly Dictionary<CertificatePair, SslServerAuthenticationOptions> _byPair = new(ReferenceEqualityComparer.Instance);

    public TlsListenerOptions(TlsSettings settings, CertificateStore store)
    {
        Settings = settings;
        Store = store;
        foreach (var pair in store.Pairs)
        {
            _byPair[pair] = new SslServerAuthenticationOptions
            {
                ServerCertificateContext = pair.Context,
                EnabledSslProtocols = settings.Protocols,
                ApplicationProtocols = Alpn,
                ClientCertificateRequired = false,
                CertificateRevocationCheckMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
                AllowRenegotiation = false,
                AllowTlsResume = true,
            };
        }

        Default = store.Default is { } d ? _byPair[d] : null;
    }

    public TlsSettings Settings { get; }
    public CertificateStore Store { get; }
    /// <summary>For clients without SNI or with an unknown name; null when the store has no default.</summary>
    public SslServerAuthenticationOptions? Default { get; }

    /// <summary>The options for <paramref name="serverName"/>: its certificate, else the default unless unknown names are refused (null: refuse).</summary>
    public SslServerAuthenticationOptions? Select(string? serverName, out CertificatePair? pair, out bool unknown)
    {
        pair = string.IsNullOrEmpty(serverName) ? null : Store.Find(serverName);
        unknown = pair is null && !string.IsNullOrEmpty(serverName);
        if (pair is null)
        {
            if (unknown && Settings.RejectUnknownSni)
            {
                return null;
            }

            pair = Store.Default;
        }

        return pair is null ? null : _byPair[pair];
    }
}
