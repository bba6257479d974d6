using EdgeGw.Protocols.Infrastructure;

namespace EdgeGw.Protocols.Proxy;

/// <summary>
/// What a PROXY protocol header said. <see cref="HasAddresses"/> is false for a v2 LOCAL command (a health check
/// from the proxy itself), a v1 <c>UNKNOWN</c> line and the v2 UNSPEC and UNIX families: the connection then keeps
/// its socket's addresses, as the specification asks.
/// </summary>
public struct ProxyHeader
{
    /// <summary>1 (text) or 2 (binary).</summary>
    public int Version;
    public bool HasAddresses;
    public IPAddressValue Source;
    public IPAddressValue Destination;
    public ushort SourcePort;
    public ushort DestinationPort;
    /// <summary>Whether the header gave IPv6 addresses (TCP6 / AF_INET6), even IPv4-mapped ones.</summary>
    public bool IsIPv6;
}
