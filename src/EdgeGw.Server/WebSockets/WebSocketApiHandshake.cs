using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;
using EdgeGw.Core.Model;
using EdgeGw.Core.WebSockets;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Protocols.Http1;
using EdgeGw.Protocols.WebSockets;
using EdgeGw.Server.Http1;
using EdgeGw.Server.Infrastructure;

namespace EdgeGw.Server.WebSockets;

/// <summary>
/// WebSocket APIs, where the gateway is the WebSocket server: the handshake is validated (method, version,
/// key, origin, subprotocol) and rate-limited, the <c>$connect</c> integration decides whether to accept, and
/// after the 101 the connection becomes a <see cref="WebSocketSession"/> run by a <see cref="WebSocketMessageLoop"/>.
/// <c>$disconnect</c> is told when it ends.
/// </summary>
internal sealed class WebSocketApiHandshake
{
    private readonly ClientConnection _connection;
    private readonly ClientRequest _request;
    private readonly ClientResponder _responder;

    public WebSocketApiHandshake(ClientConnection connection, ClientRequest request, ClientResponder responder)
    {
        _connection = connection;
        _request = request;
        _responder = responder;
    }

    /// <summary>Serves the handshake; after a session the connection closes (returns false).</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public async ValueTask<bool> ServeAsync(GatewaySnapshot snapshot, WebSocketApiModel api)
    {
        var runtime = _connection.Runtime;
        var registry = runtime.WebSockets;
        var accept = new byte[WebSocketHandshake.AcceptLength];
        int refusal = CheckHandshake(api, accept, out int subprotocol);
        if (refusal == 0 && !registry.TryAdmitConnection(api))
        {
            refusal = 429;
        }

        if (refusal != 0)
        {
            _request.ConsumeHead();
            registry.OnRefused();
            return await RefuseAsync(refusal).ConfigureAwait(false);
        }

        string id = registry.NewConnectionId();
        var session = new WebSocketSession(id, api, Encoding.ASCII.GetString(_request.ClientAddress), UserAgent(), _connection.Context, registry);

        // $connect decides. Everything it needs from the head is copied first: the head's bytes go back to the pipe.
        if (api.Connect is { } connect)
        {
            byte[] forwarded = EncodeConnectHeaders();
            byte[] query = _request.Head.Query(_request.Span).ToArray();
            _request.ConsumeHead();
            using var answer = await WebSocketEvents.CallAsync(runtime, snapshot, session, connect, forwarded, query, default, WebSocketEventType.Connect, captureContentType: true).ConfigureAwait(false);
            if (!answer.Succeeded)
            {
                registry.OnRefused();
                return await ConnectRefusalAsync(answer).ConfigureAwait(false);
            }
        }
        else
        {
            _request.ConsumeHead();
        }

        // Registered before the 101 goes out: a client that has its 101 finds itself in the registry (counts,
        // @connections) at once.
        registry.Register(session);
        WriteSwitchingProtocols(accept, subprotocol < 0 ? default : api.Subprotocols[subprotocol]);
        bool open = await _responder.FlushPendingAsync().ConfigureAwait(false);
        _request.ReturnBuffers();
        if (!open)
        {
            registry.Unregister(session);
            session.End();
            return false;
        }

        var loop = new WebSocketMessageLoop(_connection, snapshot, session, api);
        try
        {
            await loop.RunAsync().ConfigureAwait(false);
        }
        finally
        {
            registry.Unregister(session);
            session.End();
            if (api.Disconnect is { } disconnect)
            {
                _ = loop.NotifyDisconnectAsync(disconnect);
            }
        }

        return false;
    }

    /// <summary>The handshake's User-Agent, bounded as the access log bounds it (one string per connection).</summary>
    private string UserAgent()
    {
        var value = _request.HeaderValue("user-agent"u8);
        return value.IsEmpty ? "" : Encoding.Latin1.GetString(value[..Math.Min(value.Length, Core.Observability.RequestRecord.MaxUserAgentBytes)]);
    }

    /// <summary>0 when the handshake is acceptable, else the status to refuse it with.</summary>
    private int CheckHandshake(WebSocketApiModel api, Span<byte> accept, out int subprotocol)
    {
        subprotocol = -1;
        ref readonly var request = ref _request.Head;
        if (request.Method != HttpMethod.Get || request.Body != BodyKind.None || request.Version != HttpVersion.Http11)
        {
            return 400;
        }

        if (!request.UpgradeRequested || !ContainsToken(_request.HeaderValue("upgrade"u8), "websocket"u8))
        {
            // A plain GET on a WebSocket API's URL.
            return 426;
        }

        if (!_request.HeaderValue("sec-websocket-version"u8).SequenceEqual("13"u8))
        {
            return 426;
        }

        if (!WebSocketHandshake.TryComputeAccept(_request.HeaderValue("sec-websocket-key"u8), accept))
        {
            return 400;
        }

        if (!api.AllowsAnyOrigin && !IsAllowedOrigin(api, _request.HeaderValue("origin"u8)))
        {
            return 403;
        }

        // The API's own preference order wins among the protocols the client offers (on any number of lines).
        var head = _request.Span;
        foreach (ref readonly var entry in _request.Headers)
        {
            if (entry.NameLength == 22 && Ascii.EqualsIgnoreCase(entry.Name(head), "sec-websocket-protocol"u8))
            {
                foreach (var offered in new FieldListEnumerator(entry.Value(head)))
                {
                    for (int i = 0; i < api.Subprotocols.Length; i++)
                    {
                        if ((subprotocol < 0 || i < subprotocol) && offered.SequenceEqual(api.Subprotocols[i]))
                        {
                            subprotocol = i;
                        }
                    }
                }
            }
        }

        return 0;
    }

    private static bool ContainsToken(ReadOnlySpan<byte> value, ReadOnlySpan<byte> token)
    {
        foreach (var element in new FieldListEnumerator(value))
        {
            if (Ascii.EqualsIgnoreCase(element, token))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsAllowedOrigin(WebSocketApiModel api, ReadOnlySpan<byte> origin)
    {
        foreach (var allowed in api.AllowedOrigins)
        {
            if (Ascii.EqualsIgnoreCase(origin, allowed))
            {
                return true;
            }
        }

        return false;
    }

    private ValueTask<bool> RefuseAsync(int status)
    {
        if (status != 426)
        {
            // A handshake with a body (never valid) leaves unread bytes: only closing keeps the framing intact.
            return _responder.GatewayResponseAsync(status, close: _request.HasBody);
        }

        var (headBytes, body) = GatewayResponses.For(426);
        var writer = new BufferWriter<PipeWriter>(_responder.Output);
        writer.Write(headBytes);
        writer.Write("Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"u8);
        return _responder.EndGatewayResponseAsync(ref writer, body);
    }

    /// <summary>$connect said no (or could not be reached): its status and body go to the client.</summary>
    private ValueTask<bool> ConnectRefusalAsync(in IntegrationResponse answer)
    {
        if (answer.Status is 502 or 503 or 504 && answer.BodyLength == 0 || answer.Status < 200)
        {
            return _responder.GatewayResponseAsync(answer.Status < 200 ? 502 : answer.Status, close: false);
        }

        var writer = new BufferWriter<PipeWriter>(_responder.Output);
        writer.Write(StatusLines.For(answer.Status));
        if (answer.ContentType is { } contentType)
        {
            writer.WriteHeader("Content-Type"u8, contentType);
        }

        writer.Write("Content-Length: "u8);
        writer.WriteNumber(answer.BodyLength);
        writer.Write("\r\n"u8);
        return _responder.EndGatewayResponseAsync(ref writer, answer.BodySpan);
    }

    private void WriteSwitchingProtocols(ReadOnlySpan<byte> accept, ReadOnlySpan<byte> subprotocol)
    {
        var writer = new BufferWriter<PipeWriter>(_responder.Output);
        writer.Write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"u8);
        writer.WriteHeader("Sec-WebSocket-Accept"u8, accept);
        if (!subprotocol.IsEmpty)
        {
            writer.WriteHeader("Sec-WebSocket-Protocol"u8, subprotocol);
        }

        if (_request.HasRequestId)
        {
            writer.WriteHeader("X-Request-Id"u8, _request.RequestId);
        }

        writer.Write("\r\n"u8);
        writer.Commit();
    }

    /// <summary>The client's end-to-end headers for $connect (as AWS passes them), without the handshake's own.</summary>
    private byte[] EncodeConnectHeaders()
    {
        var head = _request.Span;
        var buffer = new ArrayBufferWriter<byte>(512);
        var writer = new BufferWriter<ArrayBufferWriter<byte>>(buffer);
        writer.Write(WebSocketEvents.ConnectHeaders);
        ref var trace = ref _request.Record.Trace;
        foreach (ref readonly var entry in _request.Headers)
        {
            var name = entry.Name(head);
            if (KnownHeaders.IsHopByHop(entry.Known)
                || (trace.Active && (entry.Known == KnownHeader.TraceParent || (entry.Known == KnownHeader.TraceState && !trace.KeepTraceState)))
                || entry.Known is KnownHeader.Host or KnownHeader.ContentLength or KnownHeader.XForwardedFor or KnownHeader.XForwardedProto or KnownHeader.XRequestId
                || (name.Length > 14 && Ascii.EqualsIgnoreCase(name[..14], "sec-websocket-"u8) && !Ascii.EqualsIgnoreCase(name, "sec-websocket-protocol"u8))
                || _request.IsClientCertificateHeader(name) || _request.IsAuthorizerHeader(name))
            {
                continue;
            }

            writer.WriteHeader(name, entry.Value(head));
        }

        // The gateway's own, as AWS adds X-Forwarded-Proto to $connect's headers; a client's copy never passes.
        writer.Write(_connection.IsHttps ? "X-Forwarded-Proto: https\r\n"u8 : "X-Forwarded-Proto: http\r\n"u8);
        if (_request.ClientCertificateHeaders is { } clientCertificate)
        {
            writer.Write(clientCertificate);
        }

        if (_request.HasRequestId)
        {
            writer.WriteHeader("X-Request-Id"u8, _request.RequestId);
        }

        if (_request.Record.Identity is { } identity)
        {
            writer.Write(identity.ForwardedHeaderLines); // who the $connect route's authorizer says the caller is
        }

        if (trace.Active)
        {
            // W3C Trace Context as for an HTTP integration: $connect's call is the integration span, the backend's parent.
            Span<byte> traceparent = stackalloc byte[EdgeGw.Core.Tracing.TraceParent.Length];
            EdgeGw.Core.Tracing.TraceParent.Write(traceparent, trace.TraceIdHigh, trace.TraceIdLow, trace.IntegrationSpanId, trace.Sampled);
            writer.WriteHeader("traceparent"u8, traceparent);
        }

        writer.Commit();
        return buffer.WrittenSpan.ToArray();
    }
}
