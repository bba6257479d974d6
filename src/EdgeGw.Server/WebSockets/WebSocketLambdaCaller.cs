using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;
using EdgeGw.Core.Lambda;
using EdgeGw.Core.Upstream;
using EdgeGw.Core.WebSockets;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Infrastructure;
using EdgeGw.Server.Integrations;
using EdgeGw.Server.Logging;

namespace EdgeGw.Server.WebSockets;

/// <summary>
/// A WebSocket route's Lambda integration: the function gets AWS's WebSocket event — <c>requestContext</c> with
/// <c>routeKey</c>, <c>eventType</c> (CONNECT, MESSAGE, DISCONNECT), <c>connectionId</c>, <c>connectedAt</c>,
/// <c>messageId</c> (messages), <c>requestId</c>, <c>requestTime</c>/<c>requestTimeEpoch</c>, <c>stage</c>,
/// <c>apiId</c>, <c>messageDirection</c> and <c>identity</c>; <c>headers</c>/<c>multiValueHeaders</c> and the query
/// parameters on CONNECT; <c>body</c> and <c>isBase64Encoded</c> (binary frames base64) — so handlers written for
/// AWS WebSocket APIs run unchanged. Its answer (<c>statusCode</c>, <c>body</c>, or any other JSON as the body)
/// becomes the integration's status and body: a $connect refused by a non-2xx, a route response sent back. One per
/// session (its calls come one at a time), created on the first Lambda route it calls.
/// </summary>
internal sealed class WebSocketLambdaCaller
{
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly LambdaInvoker _invoker = new();
    private readonly BlockBufferWriter _buffer = new(0);
    private Utf8JsonWriter? _json;

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public async ValueTask<IntegrationResponse> CallAsync(ClusterState cluster, WebSocketSession session, WebSocketRouteModel route, LambdaIntegrationModel lambda,
        WebSocketEventType type, ReadOnlyMemory<byte> headerLines, ReadOnlyMemory<byte> query, ReadOnlyMemory<byte> body, UpstreamErrorLog errors, TimeProvider time)
    {
        var json = _json ??= new Utf8JsonWriter(_buffer, JsonOptions);
        json.Reset(_buffer);
        WriteEvent(json, session, route, lambda, type, headerLines.Span, query.Span, body.Span, time.GetUtcNow());
        json.Flush();
        var payload = _buffer.Detach(out int length);
        try
        {
            var (outcome, status, _) = await _invoker.InvokeAsync(cluster, lambda, payload is null ? default : new ReadOnlyMemory<byte>(payload, 0, length), errors, time)
                .ConfigureAwait(false);
            switch (outcome)
            {
                case LambdaOutcome.Answered:
                    var answer = _invoker.Answer;
                    byte[]? copy = null;
                    if (!answer.Body.IsEmpty)
                    {
                        copy = BlockPool.Rent(answer.Body.Length);
                        answer.Body.CopyTo(copy);
                    }

                    return new IntegrationResponse { Status = answer.StatusCode, Body = copy, BodyLength = answer.Body.Length };
                case LambdaOutcome.NoConnection:
                    return new IntegrationResponse { Status = status };
                case LambdaOutcome.TimedOut:
                    return new IntegrationResponse { Status = 504 };
                default:
                    return new IntegrationResponse { Status = 502 };
            }
        }
        finally
        {
            if (payload is not null)
            {
                BlockPool.Return(payload);
            }

            _invoker.ReturnBuffers();
        }
    }

    private static void WriteEvent(Utf8JsonWriter json, WebSocketSession session, WebSocketRouteModel route, LambdaIntegrationModel lambda, WebSocketEventType type,
        ReadOnlySpan<byte> headerLines, ReadOnlySpan<byte> query, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        json.WriteStartObject();
        if (type == WebSocketEventType.Connect)
        {
            WriteHeaders(json, headerLines);
            WriteQuery(json, query);
        }

        Span<byte> id = stackalloc byte[RequestIdGenerator.Length];
        json.WriteStartObject("requestContext"u8);
        json.WriteString("routeKey"u8, route.KeyBytes);
        if (type is WebSocketEventType.TextMessage or WebSocketEventType.BinaryMessage)
        {
            RequestIdGenerator.Next(id);
            json.WriteString("messageId"u8, id);
        }

        json.WriteString("eventType"u8, type switch
        {
            WebSocketEventType.Connect => "CONNECT"u8,
            WebSocketEventType.Disconnect => "DISCONNECT"u8,
            _ => "MESSAGE"u8,
        });
        RequestIdGenerator.Next(id);
        json.WriteString("extendedRequestId"u8, id);
        Span<byte> text = stackalloc byte[32];
        now.UtcDateTime.TryFormat(text, out int written, "dd/MMM/yyyy:HH:mm:ss +0000", System.Globalization.CultureInfo.InvariantCulture);
        json.WriteString("requestTime"u8, text[..written]);
        json.WriteString("messageDirection"u8, "IN"u8);
        json.WriteString("stage"u8, lambda.Stage);
        json.WriteNumber("connectedAt"u8, session.ConnectedAt.ToUnixTimeMilliseconds());
        json.WriteNumber("requestTimeEpoch"u8, now.ToUnixTimeMilliseconds());
        json.WriteStartObject("identity"u8);
        json.WriteString("sourceIp"u8, session.SourceIp);
        json.WriteString("userAgent"u8, session.UserAgent);
        json.WriteEndObject();
        json.WriteString("requestId"u8, id);
        json.WriteString("connectionId"u8, session.Id);
        json.WriteString("apiId"u8, lambda.ApiId);
        json.WriteEndObject();
        if (type is WebSocketEventType.TextMessage or WebSocketEventType.BinaryMessage)
        {
            bool base64 = type == WebSocketEventType.BinaryMessage || !Utf8.IsValid(body);
            if (base64)
            {
                json.WriteBase64String("body"u8, body);
            }
            else
            {
                json.WriteString("body"u8, body);
            }

            json.WriteBoolean("isBase64Encoded"u8, base64);
        }
        else
        {
            json.WriteBoolean("isBase64Encoded"u8, false);
        }

        json.WriteEndObject();
    }

    /// <summary>The handshake's headers as forwarded (<c>Name: value</c> lines): <c>headers</c> (repeated ones joined by commas) and <c>multiValueHeaders</c>.</summary>
    private static void WriteHeaders(Utf8JsonWriter json, ReadOnlySpan<byte> lines)
    {
        json.WriteStartObject("headers"u8);
        foreach (var (name, _) in new HeaderLines(lines))
        {
            if (SeenBefore(lines, name))
            {
                continue;
            }

            WriteName(json, name);
            // Joined as AWS joins repeated headers.
            var joined = new System.Buffers.ArrayBufferWriter<byte>();
            foreach (var (other, value) in new HeaderLines(lines))
            {
                if (Ascii.EqualsIgnoreCase(other, name))
                {
                    if (joined.WrittenCount > 0)
                    {
                        joined.Write(","u8);
                    }

                    joined.Write(value);
                }
            }

            WriteValue(json, joined.WrittenSpan);
        }

        json.WriteEndObject();
        json.WriteStartObject("multiValueHeaders"u8);
        foreach (var (name, _) in new HeaderLines(lines))
        {
            if (SeenBefore(lines, name))
            {
                continue;
            }

            WriteName(json, name);
            json.WriteStartArray();
            foreach (var (other, value) in new HeaderLines(lines))
            {
                if (Ascii.EqualsIgnoreCase(other, name))
                {
                    WriteValue(json, value);
                }
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    /// <summary>Whether a line before the first one named <paramref name="name"/> has that name (the span is a slice of <paramref name="lines"/>).</summary>
    private static bool SeenBefore(ReadOnlySpan<byte> lines, ReadOnlySpan<byte> name)
    {
        foreach (var (other, _) in new HeaderLines(lines))
        {
            if (Ascii.EqualsIgnoreCase(other, name))
            {
                // The first line with the name: is it this one?
                return !System.Runtime.CompilerServices.Unsafe.AreSame(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(other),
                    ref System.Runtime.InteropServices.MemoryMarshal.GetReference(name));
            }
        }

        return false;
    }

    private static void WriteQuery(Utf8JsonWriter json, ReadOnlySpan<byte> query)
    {
        bool any = false;
        foreach (var _ in new QueryPairs(query))
        {
            any = true;
            break;
        }

        if (!any)
        {
            return;
        }

        // AWS's WebSocket $connect: the last value of a repeated name, and every value in the multi-value map.
        json.WriteStartObject("queryStringParameters"u8);
        foreach (var pair in new QueryPairs(query))
        {
            if (!QuerySeenAfter(query, pair.Raw))
            {
                WriteName(json, Decode(pair.Name));
                WriteValue(json, Decode(pair.Value));
            }
        }

        json.WriteEndObject();
        json.WriteStartObject("multiValueQueryStringParameters"u8);
        foreach (var pair in new QueryPairs(query))
        {
            if (QuerySeenBefore(query, pair.Raw))
            {
                continue;
            }

            WriteName(json, Decode(pair.Name));
            json.WriteStartArray();
            foreach (var other in new QueryPairs(query))
            {
                if (other.Name.SequenceEqual(pair.Name))
                {
                    WriteValue(json, Decode(other.Value));
                }
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private static bool QuerySeenBefore(ReadOnlySpan<byte> query, ReadOnlySpan<byte> raw)
    {
        var name = new QueryPair(raw).Name;
        foreach (var other in new QueryPairs(query))
        {
            if (other.Name.SequenceEqual(name))
            {
                return !Unsafe.AreSame(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(other.Raw), ref System.Runtime.InteropServices.MemoryMarshal.GetReference(raw));
            }
        }

        return false;
    }

    private static bool QuerySeenAfter(ReadOnlySpan<byte> query, ReadOnlySpan<byte> raw)
    {
        var name = new QueryPair(raw).Name;
        bool after = false;
        foreach (var other in new QueryPairs(query))
        {
            if (after && other.Name.SequenceEqual(name))
            {
                return true;
            }

            after |= Unsafe.AreSame(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(other.Raw), ref System.Runtime.InteropServices.MemoryMarshal.GetReference(raw));
        }

        return false;
    }

    /// <summary>Percent-decoded (<c>+</c> as space): the connect path's one allocation per query pair, off the request path.</summary>
    private static byte[] Decode(ReadOnlySpan<byte> raw)
    {
        string text = System.Text.Encoding.UTF8.GetString(raw).Replace('+', ' ');
        try
        {
            text = Uri.UnescapeDataString(text);
        }
        catch (UriFormatException)
        {
        }

        return System.Text.Encoding.UTF8.GetBytes(text);
    }

    private static void WriteName(Utf8JsonWriter json, ReadOnlySpan<byte> name)
    {
        if (Utf8.IsValid(name))
        {
            json.WritePropertyName(name);
        }
        else
        {
            json.WritePropertyName(System.Text.Encoding.Latin1.GetString(name));
        }
    }

    private static void WriteValue(Utf8JsonWriter json, ReadOnlySpan<byte> value)
    {
        if (Utf8.IsValid(value))
        {
            json.WriteStringValue(value);
        }
        else
        {
            json.WriteStringValue(System.Text.Encoding.Latin1.GetString(value));
        }
    }

    private readonly ref struct Line(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        public readonly ReadOnlySpan<byte> Name = name;
        public readonly ReadOnlySpan<byte> Value = value;

        public void Deconstruct(out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
        {
            name = Name;
            value = Value;
        }
    }

    /// <summary>The <c>Name: value</c> CRLF lines of a forwarded header block, the gateway's own event line skipped.</summary>
    private readonly ref struct HeaderLines(ReadOnlySpan<byte> lines)
    {
        private readonly ReadOnlySpan<byte> _lines = lines;

        public Enumerator GetEnumerator() => new(_lines);

        public ref struct Enumerator(ReadOnlySpan<byte> rest)
        {
            private ReadOnlySpan<byte> _rest = rest;

            public Line Current { get; private set; }

            public bool MoveNext()
            {
                while (!_rest.IsEmpty)
                {
                    int end = _rest.IndexOf("\r\n"u8);
                    var line = end < 0 ? _rest : _rest[..end];
                    _rest = end < 0 ? default : _rest[(end + 2)..];
                    int colon = line.IndexOf((byte)':');
                    if (colon <= 0)
                    {
                        continue;
                    }

                    var name = line[..colon];
                    if (Ascii.EqualsIgnoreCase(name, "x-edgegw-event-type"u8))
                    {
                        continue;
                    }

                    Current = new Line(name, line[(colon + 1)..].Trim((byte)' '));
                    return true;
                }

                return false;
            }
        }
    }
}
