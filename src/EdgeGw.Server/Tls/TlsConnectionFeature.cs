using System.Net.Security;
using EdgeGw.Core.Tls;

namespace EdgeGw.Server.Tls;

/// <summary>Set on a connection whose TLS handshake completed: what the HTTP side may want to know about it.</summary>
internal sealed class TlsConnectionFeature(SslStream stream, CertificatePair certificate, string? serverName, byte[]? clientCertificateHeaders = null,
    ClientCertificateIdentity? clientCertificate = null)
{
    public SslStream Stream { get; } = stream;
    /// <summary>The certificate served.</summary>
    public CertificatePair Certificate { get; } = certificate;
    /// <summary>The client's SNI, or null without one.</summary>
    public string? ServerName { get; } = serverName;
    /// <summary>
    /// A mutual TLS domain's verified client certificate as header lines for the backend
    /// (<see cref="ClientCertificateHeaders"/>); null without a verified certificate.
    /// </summary>
    public byte[]? ClientCertificateHeaders { get; } = clientCertificateHeaders;
    /// <summary>The same certificate as <c>$context.identity.clientCert.*</c> values; null without a verified certificate.</summary>
    public ClientCertificateIdentity? ClientCertificate { get; } = clientCertificate;
}
