namespace EdgeGw.Server.WebSockets;

/// <summary>Which event a WebSocket route's integration is called for (AWS's <c>eventType</c>, and a message's frame type).</summary>
internal enum WebSocketEventType : byte
{
    Connect,
    TextMessage,
    BinaryMessage,
    Disconnect,
}
