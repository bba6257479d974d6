using System.Collections.Immutable;

namespace EdgeGw.Core.Tls;

/// <summary><c>server.tls</c> as written.</summary>
internal sealed record TlsConfig(ImmutableArray<CertificateConfig> Certificates, string MinVersion, string UnknownSni, int HandshakeTimeoutSeconds, bool ReleaseBuffers = true,
    int TicketKeyRotationSeconds = TlsSettings.DefaultTicketKeyRotationSeconds);

/// <summary>One entry of <c>server.tls.certificates</c>.</summary>
internal sealed record CertificateConfig(string? CertFile, string? KeyFile, bool Default);
