namespace EdgeGw.Server.WebSockets;

/// <summary>Outcome of a send to a WebSocket connection.</summary>
public enum WebSocketSendResult : byte
{
    Sent,
    /// <summary>The connection is closing or closed.</summary>
    Gone,
    /// <summary>The client reads too slowly: its send buffer is full.</summary>
    Full,
}
