namespace EdgeGw.Core.Tracing;

/// <summary>
/// The trace context of one request (a field of <c>RequestRecord</c>, so filling it allocates nothing): the
/// trace, the caller's span, the gateway's span and the integration's span that the backend sees as its parent.
/// <see cref="Active"/> is false when tracing is off (the upstream writer then passes the client's headers through);
/// <see cref="Span"/> is allocated only for a sampled request.
/// </summary>
public struct TraceRecord
{
    /// <summary>Tracing is on: the backend gets a <c>traceparent</c> naming <see cref="IntegrationSpanId"/>.</summary>
    public bool Active;
    public bool Sampled;
    /// <summary>The client sent a valid <c>traceparent</c>: <see cref="ParentSpanId"/> is its span.</summary>
    public bool HasParent;
    /// <summary>The client's <c>tracestate</c> is forwarded (a valid parent and a valid list).</summary>
    public bool KeepTraceState;
    public ulong TraceIdHigh;
    public ulong TraceIdLow;
    /// <summary>The client's span; 0 without a parent.</summary>
    public ulong ParentSpanId;
    /// <summary>The gateway's (server) span.</summary>
    public ulong SpanId;
    /// <summary>The integration's (client) span, the backend's parent.</summary>
    public ulong IntegrationSpanId;
    /// <summary>What a sampled request's spans are made of; null when not sampled.</summary>
    public SpanData? Span;

    /// <summary>The 32 lower-case hex digits of the trace id (<c>$context.traceId</c>).</summary>
    public readonly void WriteTraceId(Span<byte> destination)
    {
        TraceParent.WriteHex64(destination, TraceIdHigh);
        TraceParent.WriteHex64(destination[16..], TraceIdLow);
    }
}
