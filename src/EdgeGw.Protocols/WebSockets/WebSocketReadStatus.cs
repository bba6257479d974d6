namespace EdgeGw.Protocols.WebSockets;

/// <summary>What <see cref="WebSocketMessageReader.Read"/> found.</summary>
public enum WebSocketReadStatus : byte
{
    /// <summary>No whole frame is buffered; read more and call again with the unconsumed rest.</summary>
    NeedMoreData,
    /// <summary>A whole text or binary message is in <see cref="WebSocketMessageReader.Payload"/>.</summary>
    Message,
    /// <summary>A ping; its payload (to echo in the pong) is in <see cref="WebSocketMessageReader.Payload"/>.</summary>
    Ping,
    Pong,
    /// <summary>The peer's close frame: <see cref="WebSocketMessageReader.CloseCode"/> and the reason in <see cref="WebSocketMessageReader.Payload"/>.</summary>
    Close,
    /// <summary>The peer broke the protocol; close with <see cref="WebSocketMessageReader.CloseCode"/> and stop reading.</summary>
    Error,
}
