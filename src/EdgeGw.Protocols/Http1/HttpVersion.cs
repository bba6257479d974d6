namespace EdgeGw.Protocols.Http1;

/// <summary>Protocol versions a request or response line can carry.</summary>
public enum HttpVersion : byte
{
    Http10 = 0,
    Http11 = 1,
}
