namespace EdgeGw.Core.WebSockets;

/// <summary>Limits of a WebSocket API (configurable; defaults as AWS).</summary>
public sealed record WebSocketLimits(int MaxFrameBytes, int MaxMessageBytes, TimeSpan IdleTimeout, TimeSpan MaxLifetime, int SendBufferBytes);
