namespace EdgeGw.Server.Tls;

/// <summary>Why a TLS handshake did not complete; the <c>reason</c> label of <c>edgegw_tls_handshake_failures_total</c>.</summary>
internal enum TlsFailure
{
    /// <summary>The handshake did not complete within <c>server.tls.handshakeTimeoutSeconds</c>.</summary>
    Timeout,
    /// <summary>A TLS-level failure: no common protocol version or cipher (<c>minVersion</c>), a malformed or oversized handshake, an alert.</summary>
    Protocol,
    /// <summary>The client's SNI named no certificate and <c>unknownSni</c> is <c>reject</c>.</summary>
    UnknownSni,
    /// <summary>The first byte was not a TLS handshake record (plain HTTP or garbage on an HTTPS port).</summary>
    NotTls,
    /// <summary>A domain with <c>mutualTls</c> <c>require</c>: no client certificate, or one that does not verify against the truststore.</summary>
    ClientCertificate,
    /// <summary>The client closed or reset the connection during the handshake, or anything else.</summary>
    Other,
}
