namespace EdgeGw.Protocols.Http1;

/// <summary>Headers the gateway acts on, recognised once during parsing so later stages compare an enum, not bytes.</summary>
public enum KnownHeader : byte
{
    None = 0,
    Host,
    ContentLength,
    TransferEncoding,
    Connection,
    Expect,
    KeepAlive,
    TE,
    Trailer,
    Upgrade,
    /// <summary>Any <c>Proxy-*</c> header: hop-by-hop by the gateway's policy.</summary>
    ProxyPrefixed,
    XForwardedFor,
    XForwardedProto,
    XForwardedHost,
    XRequestId,
    /// <summary>W3C Trace Context: replaced by the gateway's own when tracing is on.</summary>
    TraceParent,
    /// <summary>W3C Trace Context: passed on, or dropped when tracing is on and it (or traceparent) is invalid.</summary>
    TraceState,
}
