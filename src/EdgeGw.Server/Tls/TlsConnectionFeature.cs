using System.Net.Security;
using EdgeGw.Core.Tls;

namespace EdgeGw.Server.Tls;

/// <summary>Set on a connection whose TLS handshake completed: what the HTTP side may want to know about it.</summary>
internal sealed class TlsConnectionFeature(SslStream stream, CertificatePair certificate, string? serverName)
{
    public SslStream Stream { get; } = stream;
    /// <summary>The certificate served.</summary>
    public CertificatePair Certificate { get; } = certificate;
    /// <summary>The client's SNI, or null without one.</summary>
    public string? ServerName { get; } = serverName;
}
