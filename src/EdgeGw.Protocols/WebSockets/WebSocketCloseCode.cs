namespace EdgeGw.Protocols.WebSockets;

/// <summary>Close status codes the gateway sends (RFC 6455 §7.4.1).</summary>
public static class WebSocketCloseCode
{
    public const ushort Normal = 1000;
    public const ushort GoingAway = 1001;
    public const ushort ProtocolError = 1002;
    /// <summary>Received in a close frame means "no code was given"; never sent on the wire.</summary>
    public const ushort NoStatus = 1005;
    public const ushort InvalidPayload = 1007;
    public const ushort PolicyViolation = 1008;
    public const ushort MessageTooBig = 1009;

    /// <summary>Whether a peer may send <paramref name="code"/> in a close frame.</summary>
    public static bool IsValidOnWire(int code) => code is >= 1000 and <= 1003 or >= 1007 and <= 1014 or >= 3000 and <= 4999;
}
