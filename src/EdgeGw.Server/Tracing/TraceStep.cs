using EdgeGw.Core.Observability;
using EdgeGw.Core.Tracing;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Http1;

namespace EdgeGw.Server.Tracing;

/// <summary>
/// The request's trace context (W3C Trace Context), taken once the head is parsed: the client's <c>traceparent</c>
/// when it sent exactly one valid header (its <c>tracestate</c> then kept when valid), else a new trace; the sampling
/// decision (the parent's flag, or the ratio for a new trace); the gateway's and the integration's span ids. Only a
/// sampled request allocates (its <see cref="SpanData"/>); the upstream writer forwards the context, the connection
/// loop hands a sampled request's spans to the <see cref="SpanExporter"/> after the response.
/// </summary>
internal static class TraceStep
{
    public static void Begin(ClientRequest request, TracingSettings settings, TimeProvider time)
    {
        ref var trace = ref request.Record.Trace;
        var head = request.Span;
        int parents = 0, members = 0, length = 0;
        bool stateValid = true, hasState = false;
        ReadOnlySpan<byte> parentValue = default;
        foreach (ref readonly var entry in request.Headers)
        {
            if (entry.Known == KnownHeader.TraceParent)
            {
                parents++;
                parentValue = entry.Value(head);
            }
            else if (entry.Known == KnownHeader.TraceState)
            {
                hasState = true;
                stateValid = stateValid && TraceState.Accumulate(entry.Value(head), ref members, ref length);
            }
        }

        trace.Active = true;
        // Two traceparent headers are no single parent: ignored, as a malformed one.
        if (parents == 1 && TraceParent.TryParse(parentValue, out var parent))
        {
            trace.HasParent = true;
            trace.TraceIdHigh = parent.TraceIdHigh;
            trace.TraceIdLow = parent.TraceIdLow;
            trace.ParentSpanId = parent.ParentId;
            trace.Sampled = parent.Sampled;
            trace.KeepTraceState = hasState && stateValid;
        }
        else
        {
            // A new trace: a tracestate without its traceparent belongs to no trace, and is dropped.
            trace.TraceIdHigh = TraceIds.Next();
            trace.TraceIdLow = TraceIds.Next();
            trace.Sampled = Sampler.Sample(trace.TraceIdLow, settings.SampleThreshold);
        }

        trace.SpanId = TraceIds.Next();
        trace.IntegrationSpanId = TraceIds.Next();
        if (trace.Sampled)
        {
            trace.Span = Start(request, ref trace, time);
        }
    }

    /// <summary>A sampled request's span data, with copies of what the head says (it is gone when the spans are made).</summary>
    private static SpanData Start(ClientRequest request, ref TraceRecord trace, TimeProvider time)
    {
        var head = request.Span;
        long timestamp = time.GetTimestamp();
        var data = new SpanData
        {
            TraceIdHigh = trace.TraceIdHigh,
            TraceIdLow = trace.TraceIdLow,
            ParentSpanId = trace.ParentSpanId,
            SpanId = trace.SpanId,
            IntegrationSpanId = trace.IntegrationSpanId,
            HasParent = trace.HasParent,
            StartTimestamp = timestamp,
            TimestampFrequency = time.TimestampFrequency,
            StartUnixNanos = (time.GetUtcNow().UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100,
            Method = Ascii(request.Head.MethodToken(head), RequestRecord.MaxMethodBytes),
            Path = Ascii(request.Head.Path(head), RequestRecord.MaxPathBytes),
            ClientAddress = request.ClientAddress.ToArray(),
        };
        if (trace.KeepTraceState)
        {
            data.TraceState = JoinTraceState(request);
        }

        return data;
    }

    /// <summary>The header's lines as one list (OTLP's trace_state is the W3C value).</summary>
    private static byte[] JoinTraceState(ClientRequest request)
    {
        var head = request.Span;
        Span<byte> joined = stackalloc byte[TraceState.MaxLength];
        int length = 0;
        foreach (ref readonly var entry in request.Headers)
        {
            if (entry.Known == KnownHeader.TraceState)
            {
                if (length > 0)
                {
                    joined[length++] = (byte)',';
                }

                var value = entry.Value(head);
                value.CopyTo(joined[length..]);
                length += value.Length;
            }
        }

        return joined[..length].ToArray();
    }

    /// <summary>A copy truncated to <paramref name="max"/> bytes with anything but printable ASCII as '?' (OTLP strings are UTF-8).</summary>
    private static byte[] Ascii(ReadOnlySpan<byte> value, int max)
    {
        var copy = value[..Math.Min(value.Length, max)].ToArray();
        for (int i = 0; i < copy.Length; i++)
        {
            if (copy[i] is < 0x20 or > 0x7E)
            {
                copy[i] = (byte)'?';
            }
        }

        return copy;
    }

    /// <summary>After the response: the outcome into the span data (the exporter's queue takes it next).</summary>
    public static void Complete(SpanData data, in RequestRecord record, long endTimestamp)
    {
        data.EndUnixNanos = data.ToUnixNanos(endTimestamp);
        data.Status = record.Status;
        data.Route = record.Route;
        if (data.Destination is not null)
        {
            data.IntegrationStartUnixNanos = data.ToUnixNanos(record.IntegrationStartTimestamp);
            data.IntegrationEndUnixNanos = data.ToUnixNanos(record.IntegrationEndTimestamp != 0 ? record.IntegrationEndTimestamp : endTimestamp);
            data.IntegrationStatus = record.IntegrationStatus;
            data.IntegrationError = record.IntegrationErrorMessage;
        }
    }
}
