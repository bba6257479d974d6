using System.Collections.Concurrent;
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
    /// <summary>Options asking for a client certificate: one per certificate and mutual TLS domain, made on first use.</summary>
    private readonly ConcurrentDictionary<(CertificatePair, MutualTlsPolicy), SslServerAuthenticationOptions> _mutual = new();

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
    public SslServerAuthenticationOptions? Select(string? serverName, out CertificatePair? pair, out bool unknown) =>
        Select(serverName, out pair, out unknown, out _);

    /// <summary>
    /// As <see cref="Select(string?, out CertificatePair?, out bool)"/>, and the mutual TLS policy of the domain the
    /// SNI names (null when none): its options ask for the client's certificate and check it with the policy.
    /// </summary>
    public SslServerAuthenticationOptions? Select(string? serverName, out CertificatePair? pair, out bool unknown, out MutualTlsPolicy? mutualTls)
    {
        mutualTls = null;
        var options = SelectCertificate(serverName, out pair, out unknown);
        if (options is null || string.IsNullOrEmpty(serverName) || Settings.MutualTls?.Find(serverName) is not { } policy)
        {
            return options;
        }

        mutualTls = policy;
        return _mutual.GetOrAdd((pair!, policy), static (key, plain) => AskingForClientCertificates(plain, key.Item2), options);
    }

    private static SslServerAuthenticationOptions AskingForClientCertificates(SslServerAuthenticationOptions plain, MutualTlsPolicy policy) => new()
    {
        ServerCertificateContext = plain.ServerCertificateContext,
        EnabledSslProtocols = plain.EnabledSslProtocols,
        ApplicationProtocols = plain.ApplicationProtocols,
        CertificateRevocationCheckMode = plain.CertificateRevocationCheckMode,
        AllowRenegotiation = false,
        AllowTlsResume = plain.AllowTlsResume,
        // Ask for a certificate in either mode: "optional" only decides what happens without a good one.
        ClientCertificateRequired = true,
        // The chain is built against the truststore alone (custom root trust), never the system store.
        CertificateChainPolicy = policy.ChainPolicy,
        RemoteCertificateValidationCallback = (sender, certificate, chain, errors) =>
        {
            bool verified = policy.Verify(certificate, chain, errors, out string why);
            if (sender is GatewaySslStream ssl)
            {
                ssl.ClientCertificateVerified = verified;
                ssl.ClientCertificateError = why;
            }

            return verified || policy.Mode == MutualTlsMode.Optional;
        },
    };

    private SslServerAuthenticationOptions? SelectCertificate(string? serverName, out CertificatePair? pair, out bool unknown)
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
