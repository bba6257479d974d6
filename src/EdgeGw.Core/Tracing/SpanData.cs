using EdgeGw.Core.Model;

namespace EdgeGw.Core.Tracing;

/// <summary>
/// A sampled request's two spans, as the exporter encodes them: the gateway's (server kind) and, when an upstream
/// was called, the integration's (client kind). Copies of the request's text are taken when the trace starts (the
/// head goes back to the pipe before the response ends); the outcome is filled after the response. Times are Unix
/// nanoseconds.
/// </summary>
public sealed class SpanData
{
    public ulong TraceIdHigh;
    public ulong TraceIdLow;
    public ulong ParentSpanId;
    public ulong SpanId;
    public ulong IntegrationSpanId;
    /// <summary>The parent came from the client (the gateway span's parent is remote).</summary>
    public bool HasParent;
    /// <summary>The <c>tracestate</c> forwarded, UTF-8; null for none.</summary>
    public byte[]? TraceState;

    /// <summary>The wall clock and the timestamp taken together when the trace started (the timestamps convert through them).</summary>
    public long StartUnixNanos;
    public long StartTimestamp;
    public long TimestampFrequency;

    public byte[] Method = [];
    public byte[] Path = [];
    public byte[] ClientAddress = [];

    public long EndUnixNanos;
    public int Status;
    /// <summary>The route matched; null when none did.</summary>
    public RouteModel? Route;

    /// <summary>The upstream called; null when no integration span (a mock, a gateway answer before the integration).</summary>
    public DestinationModel? Destination;
    public long IntegrationStartUnixNanos;
    public long IntegrationEndUnixNanos;
    public int IntegrationStatus;
    /// <summary>Why the integration failed (UTF-8); null when it did not.</summary>
    public byte[]? IntegrationError;

    /// <summary>The spans this data encodes (1 or 2), as the queue counts them.</summary>
    public int SpanCount => Destination is null ? 1 : 2;

    /// <summary>Unix nanoseconds of a <see cref="TimeProvider.GetTimestamp"/> reading; 0 stays 0.</summary>
    public long ToUnixNanos(long timestamp) =>
        timestamp == 0 ? 0 : StartUnixNanos + (long)((timestamp - StartTimestamp) * (1_000_000_000.0 / TimestampFrequency));
}
