namespace EdgeGw.Protocols.Proxy;

public enum ProxyHeaderStatus
{
    /// <summary>More bytes are needed (the buffer is a valid beginning of a header).</summary>
    Incomplete,
    /// <summary>A whole header was read: <c>consumed</c> bytes belong to it.</summary>
    Complete,
    /// <summary>Not a header, or a malformed one: the connection is closed.</summary>
    Error,
}
