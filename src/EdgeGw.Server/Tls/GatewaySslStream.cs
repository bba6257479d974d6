using System.Net.Security;

namespace EdgeGw.Server.Tls;

/// <summary>
/// The server side's <see cref="SslStream"/>, carrying what its client-certificate check found: the validation
/// callback of a mutual TLS domain (shared by every handshake of that domain) gets the stream as its sender and
/// records the outcome here, so the handshake code can tell an unverified optional certificate from a verified one
/// and say why a required one was refused.
/// </summary>
internal sealed class GatewaySslStream(Stream inner) : SslStream(inner, leaveInnerStreamOpen: true)
{
    /// <summary>The client's certificate verified against the domain's truststore.</summary>
    public bool ClientCertificateVerified { get; set; }

    /// <summary>Why the client's certificate did not verify (empty when it did, or none was asked for).</summary>
    public string ClientCertificateError { get; set; } = "";
}
