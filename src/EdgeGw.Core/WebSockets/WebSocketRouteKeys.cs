namespace EdgeGw.Core.WebSockets;

/// <summary>The reserved route keys of a WebSocket API.</summary>
public static class WebSocketRouteKeys
{
    public const string Connect = "$connect";
    public const string Disconnect = "$disconnect";
    public const string Default = "$default";
}
