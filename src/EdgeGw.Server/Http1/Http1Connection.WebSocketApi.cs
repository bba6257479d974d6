using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;
using EdgeGw.Core.Model;
using EdgeGw.Core.WebSockets;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Protocols.Http1;
using EdgeGw.Protocols.WebSockets;
using EdgeGw.Server.Infrastructure;
using EdgeGw.Server.WebSockets;
using Microsoft.AspNetCore.Connections;

namespace EdgeGw.Server.Http1;

/// <summary>
/// WebSocket APIs: the gateway is the WebSocket server. The handshake is validated (method, version, key,
/// origin, subprotocol) and rate-limited, the <c>$connect</c> integration decides whether to accept, and after
/// the 101 the connection runs a message loop: frames are read and checked by <see cref="WebSocketMessageReader"/>,
/// each message is routed by the API's selection expression and POSTed to its route's integration, whose
/// answer may come back as a message. <c>$disconnect</c> is told when the connection ends.
/// </summary>
internal sealed partial class Http1Connection
{
    private static readonly byte[] ConnectEventHeaders = "X-EdgeGw-Event-Type: CONNECT\r\n"u8.ToArray();
    private static readonly byte[] DisconnectEventHeaders = "X-EdgeGw-Event-Type: DISCONNECT\r\n"u8.ToArray();
    private static readonly byte[] TextMessageHeaders = "X-EdgeGw-Event-Type: MESSAGE\r\nContent-Type: text/plain; charset=utf-8\r\n"u8.ToArray();
    private static readonly byte[] BinaryMessageHeaders = "X-EdgeGw-Event-Type: MESSAGE\r\nContent-Type: application/octet-stream\r\n"u8.ToArray();

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<bool> ServeWebSocketApiAsync(GatewaySnapshot snapshot, WebSocketApiModel api, ReadOnlyMemory<byte> head, SequencePosition headEnd)
    {
        var registry = _runtime.WebSockets;
        var accept = new byte[WebSocketHandshake.AcceptLength];
        int refusal = CheckHandshake(head.Span, api, accept, out int subprotocol);
        if (refusal == 0 && !registry.TryAdmitConnection(api))
        {
            refusal = 429;
        }

        if (refusal != 0)
        {
            _input.AdvanceTo(headEnd);
            registry.OnRefused();
            return await WriteHandshakeRefusalAsync(refusal).ConfigureAwait(false);
        }

        string id = WebSocketRegistry.NewConnectionId();
        var session = new WebSocketSession(id, api, Encoding.ASCII.GetString(_clientAddress), _context, registry);

        // $connect decides. Everything it needs from the head is copied first: the head's bytes go back to the pipe.
        if (api.Connect is { } connect)
        {
            byte[] forwarded = EncodeConnectHeaders(head.Span);
            byte[] query = _request.Query(head.Span).ToArray();
            _input.AdvanceTo(headEnd);
            using var answer = await CallIntegrationAsync(snapshot, session, connect, forwarded, query, default, captureContentType: true).ConfigureAwait(false);
            if (!answer.Succeeded)
            {
                registry.OnRefused();
                return await WriteConnectRefusalAsync(answer).ConfigureAwait(false);
            }
        }
        else
        {
            _input.AdvanceTo(headEnd);
        }

        WriteSwitchingProtocols(accept, subprotocol < 0 ? default : api.Subprotocols[subprotocol]);
        _unflushedResponses = 0;
        var flushed = await _output.FlushAsync().ConfigureAwait(false);
        ReturnRequestBuffers();
        if (flushed.IsCompleted)
        {
            return false;
        }

        registry.Register(session);
        try
        {
            await RunWebSocketSessionAsync(snapshot, session, api).ConfigureAwait(false);
        }
        finally
        {
            registry.Unregister(session);
            session.End();
            if (api.Disconnect is { } disconnect)
            {
                _ = NotifyDisconnectAsync(snapshot, session, disconnect);
            }
        }

        return false;
    }

    /// <summary>0 when the handshake is acceptable, else the status to refuse it with.</summary>
    private int CheckHandshake(ReadOnlySpan<byte> head, WebSocketApiModel api, Span<byte> accept, out int subprotocol)
    {
        subprotocol = -1;
        if (_request.Method != HttpMethod.Get || _request.Body != BodyKind.None || _request.Version != Protocols.Http1.HttpVersion.Http11)
        {
            return 400;
        }

        if (!_request.UpgradeRequested || !ContainsToken(HeaderValue(head, "upgrade"u8), "websocket"u8))
        {
            // A plain GET on a WebSocket API's URL.
            return 426;
        }

        if (!HeaderValue(head, "sec-websocket-version"u8).SequenceEqual("13"u8))
        {
            return 426;
        }

        if (!WebSocketHandshake.TryComputeAccept(HeaderValue(head, "sec-websocket-key"u8), accept))
        {
            return 400;
        }

        if (!api.AllowsAnyOrigin && !IsAllowedOrigin(api, HeaderValue(head, "origin"u8)))
        {
            return 403;
        }

        // The API's own preference order wins among the protocols the client offers (on any number of lines).
        foreach (ref readonly var entry in Headers)
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

    private ValueTask<bool> WriteHandshakeRefusalAsync(int status)
    {
        if (status != 426)
        {
            // A handshake with a body (never valid) leaves unread bytes: only closing keeps the framing intact.
            return WriteGatewayResponseAsync(status, close: _request.Body != BodyKind.None);
        }

        var (headBytes, body) = GatewayResponses.For(426);
        var writer = new BufferWriter<PipeWriter>(_output);
        writer.Write(headBytes);
        writer.Write("Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"u8);
        return EndGatewayResponseAsync(ref writer, body);
    }

    /// <summary>$connect said no (or could not be reached): its status and body go to the client.</summary>
    private ValueTask<bool> WriteConnectRefusalAsync(in IntegrationResponse answer)
    {
        if (answer.Status is 502 or 503 or 504 && answer.BodyLength == 0 || answer.Status < 200)
        {
            return WriteGatewayResponseAsync(answer.Status < 200 ? 502 : answer.Status, close: false);
        }

        var writer = new BufferWriter<PipeWriter>(_output);
        writer.Write(StatusLines.For(answer.Status));
        if (answer.ContentType is { } contentType)
        {
            writer.WriteHeader("Content-Type"u8, contentType);
        }

        writer.Write("Content-Length: "u8);
        writer.WriteNumber(answer.BodyLength);
        writer.Write("\r\n"u8);
        return EndGatewayResponseAsync(ref writer, answer.BodySpan);
    }

    private void WriteSwitchingProtocols(ReadOnlySpan<byte> accept, ReadOnlySpan<byte> subprotocol)
    {
        var writer = new BufferWriter<PipeWriter>(_output);
        writer.Write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"u8);
        writer.WriteHeader("Sec-WebSocket-Accept"u8, accept);
        if (!subprotocol.IsEmpty)
        {
            writer.WriteHeader("Sec-WebSocket-Protocol"u8, subprotocol);
        }

        if (_requestIdLength > 0)
        {
            writer.WriteHeader("X-Request-Id"u8, RequestId);
        }

        writer.Write("\r\n"u8);
        writer.Commit();
    }

    /// <summary>The client's end-to-end headers for $connect (as AWS passes them), without the handshake's own.</summary>
    private byte[] EncodeConnectHeaders(ReadOnlySpan<byte> head)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        var writer = new BufferWriter<ArrayBufferWriter<byte>>(buffer);
        writer.Write(ConnectEventHeaders);
        foreach (ref readonly var entry in Headers)
        {
            var name = entry.Name(head);
            if (KnownHeaders.IsHopByHop(entry.Known) || entry.Known is KnownHeader.Host or KnownHeader.ContentLength or KnownHeader.XForwardedFor or KnownHeader.XRequestId
                || (name.Length > 14 && Ascii.EqualsIgnoreCase(name[..14], "sec-websocket-"u8) && !Ascii.EqualsIgnoreCase(name, "sec-websocket-protocol"u8)))
            {
                continue;
            }

            writer.WriteHeader(name, entry.Value(head));
        }

        if (_requestIdLength > 0)
        {
            writer.WriteHeader("X-Request-Id"u8, RequestId);
        }

        writer.Commit();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Runs a route's integration for one event: a mock answers at once, HTTP is POSTed to.</summary>
    private ValueTask<IntegrationResponse> CallIntegrationAsync(GatewaySnapshot snapshot, WebSocketSession session, WebSocketRouteModel route, ReadOnlyMemory<byte> eventHeaders, ReadOnlyMemory<byte> query, ReadOnlyMemory<byte> body, bool captureContentType = false)
    {
        if (route.Integration is MockIntegrationModel mock)
        {
            return new(new IntegrationResponse { Status = mock.StatusCode, Body = RentCopy(mock.Body), BodyLength = mock.Body.Length });
        }

        var http = (HttpIntegrationModel)route.Integration;
        var headers = new IntegrationHeaders(session.IntegrationHeaders, route.EventHeaders, eventHeaders);
        return IntegrationClient.PostAsync(ResolveCluster(snapshot, http.Cluster), http, headers, query, body, session.Api.Limits.MaxMessageBytes, captureContentType);
    }

    private static byte[]? RentCopy(byte[] source)
    {
        if (source.Length == 0)
        {
            return null;
        }

        var copy = BlockPool.Rent(source.Length);
        source.CopyTo(copy, 0);
        return copy;
    }

    /// <summary>
    /// A session lives across reloads: it calls the current model's state for its cluster when the cluster is
    /// still there, so pooled connections keep being reused.
    /// </summary>
    private Core.Upstream.ClusterState ResolveCluster(GatewaySnapshot connectedWith, ClusterModel cluster)
    {
        var current = _runtime.Current;
        if ((uint)cluster.Index < (uint)current.Clusters.Length && current.Clusters[cluster.Index].Model.Name == cluster.Name)
        {
            return current.Clusters[cluster.Index];
        }

        return connectedWith.Clusters[cluster.Index];
    }

    /// <summary>Reads frames until the close handshake, a protocol error, or the transport ends.</summary>
    private async Task RunWebSocketSessionAsync(GatewaySnapshot snapshot, WebSocketSession session, WebSocketApiModel api)
    {
        var registry = _runtime.WebSockets;
        var reader = new WebSocketMessageReader(api.Limits.MaxFrameBytes, api.Limits.MaxMessageBytes);
        try
        {
            bool done = false;
            while (!done)
            {
                // An idle connection holds no message buffer (and the pipe holds none for a zero-length wait).
                reader.ReleaseBuffer();
                var result = await _input.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                var consumed = buffer.Start;
                while (!done)
                {
                    var status = reader.Read(buffer.Slice(consumed), out consumed);
                    if (status == WebSocketReadStatus.NeedMoreData)
                    {
                        break;
                    }

                    session.Touch();
                    switch (status)
                    {
                        case WebSocketReadStatus.Message:
                            registry.OnMessageReceived();
                            if (!session.IsClosing)
                            {
                                await DispatchMessageAsync(snapshot, session, api, reader.MessageType, reader.PayloadMemory).ConfigureAwait(false);
                            }

                            break;
                        case WebSocketReadStatus.Ping:
                            session.SendPong(reader.Payload);
                            break;
                        case WebSocketReadStatus.Close:
                            // Echo the client's code (RFC 6455 §5.5.1) unless this side already sent its close.
                            session.TryClose(reader.CloseCode, default);
                            done = true;
                            break;
                        case WebSocketReadStatus.Error:
                            registry.OnProtocolError();
                            session.TryClose(reader.CloseCode, CloseReason(reader.CloseCode));
                            done = true;
                            break;
                    }
                }

                _input.AdvanceTo(consumed, buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }

                if (result.IsCanceled && _closeRequested)
                {
                    // Shutdown: say goodbye and wait (bounded by the sweep) for the client's close.
                    session.TryClose(WebSocketCloseCode.GoingAway, "Server shutting down"u8);
                }
            }

            await session.WaitForCloseFlushedAsync(WebSocketSession.CloseTimeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException or OperationCanceledException or InvalidOperationException)
        {
            // The client went away: $disconnect still runs.
        }
        finally
        {
            reader.ReleaseBuffer();
        }
    }

    private static ReadOnlySpan<byte> CloseReason(ushort code) => code switch
    {
        WebSocketCloseCode.MessageTooBig => "Message too big"u8,
        WebSocketCloseCode.InvalidPayload => "Invalid UTF-8"u8,
        _ => "Protocol error"u8,
    };

    /// <summary>Routes one message and runs its integration; the answer goes back when the route asks for it.</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<bool> DispatchMessageAsync(GatewaySnapshot snapshot, WebSocketSession session, WebSocketApiModel api, WebSocketOpcode type, ReadOnlyMemory<byte> message)
    {
        var registry = _runtime.WebSockets;
        var route = SelectRoute(api, type, message.Span);
        if (route is null)
        {
            registry.OnUnroutable();
            SendToClient(session, WebSocketOpcode.Text, ErrorMessage("Forbidden", session.Id));
            return false;
        }

        using var answer = await CallIntegrationAsync(snapshot, session, route, type == WebSocketOpcode.Text ? TextMessageHeaders : BinaryMessageHeaders, default, message).ConfigureAwait(false);
        if (answer.Status is 502 or 503 or 504 && answer.Body is null)
        {
            registry.OnIntegrationError();
            SendToClient(session, WebSocketOpcode.Text, ErrorMessage("Internal server error", session.Id));
            return false;
        }

        if (route.RouteResponse && answer.BodyLength > 0)
        {
            var body = answer.BodySpan;
            bool text = type == WebSocketOpcode.Text && System.Text.Unicode.Utf8.IsValid(body);
            SendToClient(session, text ? WebSocketOpcode.Text : WebSocketOpcode.Binary, body);
        }

        return true;
    }

    private static WebSocketRouteModel? SelectRoute(WebSocketApiModel api, WebSocketOpcode type, ReadOnlySpan<byte> message)
    {
        if (type == WebSocketOpcode.Text && api.Routes.Count > 0)
        {
            Span<byte> key = stackalloc byte[RouteSelectionExpression.MaxKeyBytes];
            if (api.Selection.TrySelect(message, key, out int length) && api.Routes.Find(key[..length]) is { } route)
            {
                return route;
            }
        }

        return api.Default;
    }

    /// <summary>A client that does not read its replies is closed rather than buffered without bound.</summary>
    private static void SendToClient(WebSocketSession session, WebSocketOpcode type, ReadOnlySpan<byte> payload)
    {
        if (session.TrySend(type, payload) == WebSocketSendResult.Full)
        {
            session.TryClose(WebSocketCloseCode.PolicyViolation, "Send buffer full"u8);
        }
    }

    private static byte[] ErrorMessage(string message, string connectionId) =>
        Encoding.UTF8.GetBytes($"{{\"message\":\"{message}\",\"connectionId\":\"{connectionId}\"}}");

    /// <summary>Best effort, after the connection is gone: nobody waits for it and failures are only counted.</summary>
    private async Task NotifyDisconnectAsync(GatewaySnapshot snapshot, WebSocketSession session, WebSocketRouteModel route)
    {
        try
        {
            using var answer = await CallIntegrationAsync(snapshot, session, route, DisconnectEventHeaders, default, default).ConfigureAwait(false);
            if (!answer.Succeeded)
            {
                _runtime.WebSockets.OnIntegrationError();
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException or OperationCanceledException)
        {
            _runtime.WebSockets.OnIntegrationError();
        }
    }
}
