namespace EdgeGw.Protocols.Proxy;

/// <summary>Why a PROXY protocol header was refused (the <c>/metrics</c> reason label, in lower case).</summary>
public enum ProxyHeaderError
{
    None,
    /// <summary>The connection does not start with a v1 or v2 signature.</summary>
    Missing,
    /// <summary>A v1 line that breaks the grammar (spaces, protocol, addresses, ports, CRLF).</summary>
    MalformedV1,
    /// <summary>A v1 line without CRLF within its 107 bytes.</summary>
    TooLongV1,
    /// <summary>A v2 header with a version other than 2, an unknown command or family, or an address block shorter than its family needs.</summary>
    MalformedV2,
    /// <summary>A v2 header longer than <see cref="ProxyHeaderReader.MaxV2Length"/>.</summary>
    TooLongV2,
    /// <summary>A v2 TLV that runs past the end of the header.</summary>
    MalformedTlv,
}
