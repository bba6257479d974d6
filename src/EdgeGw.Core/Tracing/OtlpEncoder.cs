using System.Text;

namespace EdgeGw.Core.Tracing;

/// <summary>
/// Encodes spans as an OTLP <c>ExportTraceServiceRequest</c> (opentelemetry-proto collector/trace/v1, trace/v1,
/// common/v1, resource/v1), by hand, for OTLP/HTTP with <c>Content-Type: application/x-protobuf</c>: one
/// ResourceSpans (<c>service.name</c>) with one ScopeSpans (scope <c>edgegw</c>) holding every span of the batch.
/// Attribute names follow OpenTelemetry's HTTP semantic conventions; AWS's route key, API and stage are
/// <c>edgegw.*</c> attributes.
/// </summary>
public static class OtlpEncoder
{
    // Field numbers, as opentelemetry-proto numbers them.
    private const int RequestResourceSpans = 1;                                   // ExportTraceServiceRequest
    private const int ResourceSpansResource = 1, ResourceSpansScopeSpans = 2;    // ResourceSpans
    private const int ResourceAttributes = 1;                                     // Resource
    private const int ScopeSpansScope = 1, ScopeSpansSpans = 2;                  // ScopeSpans
    private const int ScopeName = 1, ScopeVersion = 2;                            // InstrumentationScope
    private const int SpanTraceId = 1, SpanSpanId = 2, SpanTraceState = 3, SpanParentSpanId = 4, SpanName = 5, SpanKind = 6,
        SpanStart = 7, SpanEnd = 8, SpanAttributes = 9, SpanStatus = 15, SpanFlags = 16;    // Span
    private const int StatusMessage = 2, StatusCode = 3;                          // Status
    private const int KeyValueKey = 1, KeyValueValue = 2;                         // KeyValue
    private const int AnyString = 1, AnyInt = 3;                                  // AnyValue

    private const int KindServer = 2, KindClient = 3;
    private const int StatusError = 2;
    // SpanFlags: the W3C trace flags in bits 0-7, HAS_IS_REMOTE (bit 8) and IS_REMOTE (bit 9).
    private const uint FlagSampled = 0x01, FlagHasIsRemote = 0x100, FlagIsRemote = 0x200;

    private static readonly string Version = typeof(OtlpEncoder).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>Writes the request for <paramref name="spans"/> into <paramref name="writer"/> (reset first).</summary>
    public static void Encode(ProtoWriter writer, string serviceName, IReadOnlyList<SpanData> spans)
    {
        writer.Reset();
        int resourceSpans = writer.Begin(RequestResourceSpans);
        int resource = writer.Begin(ResourceSpansResource);
        StringAttribute(writer, ResourceAttributes, "service.name", serviceName);
        writer.End(resource);

        int scopeSpans = writer.Begin(ResourceSpansScopeSpans);
        int scope = writer.Begin(ScopeSpansScope);
        writer.String(ScopeName, "edgegw");
        writer.String(ScopeVersion, Version);
        writer.End(scope);
        for (int i = 0; i < spans.Count; i++)
        {
            var data = spans[i];
            GatewaySpan(writer, data);
            if (data.Destination is not null)
            {
                IntegrationSpan(writer, data);
            }
        }

        writer.End(scopeSpans);
        writer.End(resourceSpans);
    }

    private static void GatewaySpan(ProtoWriter writer, SpanData data)
    {
        int span = writer.Begin(ScopeSpansSpans);
        writer.TraceId(SpanTraceId, data.TraceIdHigh, data.TraceIdLow);
        writer.Id(SpanSpanId, data.SpanId);
        if (data.TraceState is { } state)
        {
            writer.Bytes(SpanTraceState, state);
        }

        if (data.HasParent)
        {
            writer.Id(SpanParentSpanId, data.ParentSpanId);
        }

        writer.String(SpanName, data.Route?.RouteKey ?? Encoding.UTF8.GetString(data.Method));
        writer.Varint(SpanKind, KindServer);
        writer.Fixed64(SpanStart, (ulong)data.StartUnixNanos);
        writer.Fixed64(SpanEnd, (ulong)Math.Max(data.EndUnixNanos, data.StartUnixNanos));
        BytesAttribute(writer, SpanAttributes, "http.request.method", data.Method);
        BytesAttribute(writer, SpanAttributes, "url.path", data.Path);
        BytesAttribute(writer, SpanAttributes, "client.address", data.ClientAddress);
        if (data.Status > 0)
        {
            IntAttribute(writer, SpanAttributes, "http.response.status_code", data.Status);
        }

        if (data.Route is { } route)
        {
            StringAttribute(writer, SpanAttributes, "edgegw.route_key", route.RouteKey);
            StringAttribute(writer, SpanAttributes, "edgegw.api", route.ApiName);
            StringAttribute(writer, SpanAttributes, "edgegw.stage", route.StageName);
        }

        // A server span is in error for a 5xx (the client's 4xx are the client's errors), or no response at all.
        if (data.Status is 0 or >= 500)
        {
            int status = writer.Begin(SpanStatus);
            writer.Varint(StatusCode, StatusError);
            writer.End(status);
        }

        writer.Fixed32(SpanFlags, FlagSampled | FlagHasIsRemote | (data.HasParent ? FlagIsRemote : 0));
        writer.End(span);
    }

    private static void IntegrationSpan(ProtoWriter writer, SpanData data)
    {
        var destination = data.Destination!;
        int span = writer.Begin(ScopeSpansSpans);
        writer.TraceId(SpanTraceId, data.TraceIdHigh, data.TraceIdLow);
        writer.Id(SpanSpanId, data.IntegrationSpanId);
        if (data.TraceState is { } state)
        {
            writer.Bytes(SpanTraceState, state);
        }

        writer.Id(SpanParentSpanId, data.SpanId);
        writer.String(SpanName, Encoding.UTF8.GetString(data.Method));
        writer.Varint(SpanKind, KindClient);
        long start = data.IntegrationStartUnixNanos;
        writer.Fixed64(SpanStart, (ulong)start);
        writer.Fixed64(SpanEnd, (ulong)Math.Max(data.IntegrationEndUnixNanos, start));
        BytesAttribute(writer, SpanAttributes, "http.request.method", data.Method);
        StringAttribute(writer, SpanAttributes, "server.address", destination.Host);
        IntAttribute(writer, SpanAttributes, "server.port", destination.Port);
        StringAttribute(writer, SpanAttributes, "edgegw.upstream", destination.Authority);
        if (data.IntegrationStatus > 0)
        {
            IntAttribute(writer, SpanAttributes, "http.response.status_code", data.IntegrationStatus);
        }

        // A client span is in error for a 4xx or 5xx, or no response.
        if (data.IntegrationStatus is 0 or >= 400)
        {
            int status = writer.Begin(SpanStatus);
            if (data.IntegrationError is { } message)
            {
                writer.Bytes(StatusMessage, message);
            }

            writer.Varint(StatusCode, StatusError);
            writer.End(status);
        }

        writer.Fixed32(SpanFlags, FlagSampled | FlagHasIsRemote);
        writer.End(span);
    }

    private static void StringAttribute(ProtoWriter writer, int field, string key, string value)
    {
        int kv = writer.Begin(field);
        writer.String(KeyValueKey, key);
        int any = writer.Begin(KeyValueValue);
        writer.String(AnyString, value);
        writer.End(any);
        writer.End(kv);
    }

    private static void BytesAttribute(ProtoWriter writer, int field, string key, ReadOnlySpan<byte> utf8)
    {
        int kv = writer.Begin(field);
        writer.String(KeyValueKey, key);
        int any = writer.Begin(KeyValueValue);
        writer.Bytes(AnyString, utf8);
        writer.End(any);
        writer.End(kv);
    }

    private static void IntAttribute(ProtoWriter writer, int field, string key, long value)
    {
        int kv = writer.Begin(field);
        writer.String(KeyValueKey, key);
        int any = writer.Begin(KeyValueValue);
        writer.Varint(AnyInt, (ulong)value);
        writer.End(any);
        writer.End(kv);
    }
}
