namespace EdgeGw.Protocols.Http1;

/// <summary>A handler that ignores headers, for callers that need only the parsed head summary.</summary>
public struct NullHeadersHandler : IHttpHeadersHandler
{
    public readonly void OnHeader(in HeaderLine header)
    {
    }
}
