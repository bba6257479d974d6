using System.Runtime.CompilerServices;
using System.Text;
using EdgeGw.Core.Model;
using EdgeGw.Core.WebSockets;
using EdgeGw.Protocols.WebSockets;
using EdgeGw.Server.Http1;
using EdgeGw.Server.Infrastructure;
using Microsoft.AspNetCore.Connections;

namespace EdgeGw.Server.WebSockets;

/// <summary>
/// A WebSocket API session after its handshake: frames are read and checked by <see cref="WebSocketMessageReader"/>,
/// each message is routed by the API's selection expression and sent to its route's integration, whose answer may
/// come back as a message. Runs until the close handshake, a protocol error, or the transport ends; the HTTP/1
/// connection it came from serves nothing after it.
/// </summary>
internal sealed class WebSocketMessageLoop
{
    private readonly ClientConnection _connection;
    private readonly GatewaySnapshot _snapshot;
    private readonly WebSocketSession _session;
    private readonly WebSocketApiModel _api;

    public WebSocketMessageLoop(ClientConnection connection, GatewaySnapshot snapshot, WebSocketSession session, WebSocketApiModel api)
    {
        _connection = connection;
        _snapshot = snapshot;
        _session = session;
        _api = api;
    }

    public async Task RunAsync()
    {
        var input = _connection.Input;
        var registry = _connection.Runtime.WebSockets;
        var session = _session;
        var reader = new WebSocketMessageReader(_api.Limits.MaxFrameBytes, _api.Limits.MaxMessageBytes);
        try
        {
            bool done = false;
            while (!done)
            {
                // An idle connection holds no message buffer (and the pipe holds none for a zero-length wait).
                reader.ReleaseBuffer();
                var result = await input.ReadAsync().ConfigureAwait(false);
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
                                await DispatchAsync(reader.MessageType, reader.PayloadMemory).ConfigureAwait(false);
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

                input.AdvanceTo(consumed, buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }

                if (result.IsCanceled && _connection.CloseRequested)
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

    /// <summary>Best effort, after the connection is gone: nobody waits for it and failures are only counted.</summary>
    public async Task NotifyDisconnectAsync(WebSocketRouteModel route)
    {
        var runtime = _connection.Runtime;
        try
        {
            using var answer = await WebSocketEvents.CallAsync(runtime, _snapshot, _session, route, WebSocketEvents.DisconnectHeaders, default, default, WebSocketEventType.Disconnect).ConfigureAwait(false);
            if (!answer.Succeeded)
            {
                runtime.WebSockets.OnIntegrationError();
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ObjectDisposedException or OperationCanceledException)
        {
            runtime.WebSockets.OnIntegrationError();
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
    private async ValueTask<bool> DispatchAsync(WebSocketOpcode type, ReadOnlyMemory<byte> message)
    {
        var registry = _connection.Runtime.WebSockets;
        var session = _session;
        var route = SelectRoute(_api, type, message.Span);
        if (route is null)
        {
            registry.OnUnroutable();
            SendToClient(session, WebSocketOpcode.Text, ErrorMessage("Forbidden", session.Id));
            return false;
        }

        var headers = type == WebSocketOpcode.Text ? WebSocketEvents.TextMessageHeaders : WebSocketEvents.BinaryMessageHeaders;
        using var answer = await WebSocketEvents.CallAsync(_connection.Runtime, _snapshot, session, route, headers, default, message,
            type == WebSocketOpcode.Text ? WebSocketEventType.TextMessage : WebSocketEventType.BinaryMessage).ConfigureAwait(false);
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
}
