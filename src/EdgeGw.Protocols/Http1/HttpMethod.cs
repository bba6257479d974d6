namespace EdgeGw.Protocols.Http1;

/// <summary>Request methods the gateway recognises without allocating. Anything else is <see cref="Custom"/>.</summary>
public enum HttpMethod : byte
{
    Custom = 0,
    Get,
    Head,
    Post,
    Put,
    Delete,
    Patch,
    Options,
    Trace,
    Connect,
}
