using System.Security.Authentication;

namespace EdgeGw.Core.Tls;

/// <summary><c>server.tls</c> compiled: the certificates and the handshake policy of every HTTPS listener.</summary>
public sealed record TlsSettings
{
    public const int DefaultHandshakeTimeoutSeconds = 10;
    public const int DefaultTicketKeyRotationSeconds = 3600;

    public required CertificateStore Certificates { get; init; }
    /// <summary><see cref="SslProtocols.Tls12"/> | <see cref="SslProtocols.Tls13"/>, or TLS 1.3 alone.</summary>
    public SslProtocols Protocols { get; init; } = SslProtocols.Tls12 | SslProtocols.Tls13;
    /// <summary>Refuse a handshake whose SNI names no certificate, rather than answer with the default one.</summary>
    public bool RejectUnknownSni { get; init; }
    /// <summary>How long a client has, from accept, to complete the handshake.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(DefaultHandshakeTimeoutSeconds);

    /// <summary>
    /// Whether OpenSSL frees a connection's record buffers whenever they drain (<c>SSL_MODE_RELEASE_BUFFERS</c>, as
    /// nginx): ~9 KB less per idle TLS connection, for a buffer allocation per record.
    /// </summary>
    public bool ReleaseBuffers { get; init; } = true;

    /// <summary>How old a TLS context's session-ticket keys get before fresh ones replace them; zero: never (OpenSSL's own).</summary>
    public TimeSpan TicketKeyRotation { get; init; } = TimeSpan.FromSeconds(DefaultTicketKeyRotationSeconds);

    /// <summary>The custom domains' mutual TLS, by SNI; null when no domain asks for client certificates.</summary>
    public MutualTlsPolicies? MutualTls { get; init; }

    /// <summary>Whether a listen URL serves HTTPS (the one place the scheme decides TLS).</summary>
    public static bool IsHttps(string listenUrl) => listenUrl.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
}
