using System.Buffers.Binary;

namespace EdgeGw.Protocols.WebSockets;

/// <summary>Frame opcodes of RFC 6455 §5.2. Values 3–7 and 11–15 are reserved and refused.</summary>
public enum WebSocketOpcode : byte
{
    Continuation = 0x0,
    Text = 0x1,
    Binary = 0x2,
    Close = 0x8,
    Ping = 0x9,
    Pong = 0xA,
}

/// <summary>Close status codes the gateway sends (RFC 6455 §7.4.1).</summary>
public static class WebSocketCloseCode
{
    public const ushort Normal = 1000;
    public const ushort GoingAway = 1001;
    public const ushort ProtocolError = 1002;
    public const ushort UnsupportedData = 1003;
    /// <summary>Received in a close frame means "no code was given"; never sent on the wire.</summary>
    public const ushort NoStatus = 1005;
    public const ushort InvalidPayload = 1007;
    public const ushort PolicyViolation = 1008;
    public const ushort MessageTooBig = 1009;
    public const ushort InternalError = 1011;

    /// <summary>Whether a peer may send <paramref name="code"/> in a close frame.</summary>
    public static bool IsValidOnWire(int code) => code is >= 1000 and <= 1003 or >= 1007 and <= 1014 or >= 3000 and <= 4999;
}

/// <summary>A parsed frame header. The payload follows <see cref="HeaderLength"/> bytes after the frame start.</summary>
public readonly record struct WebSocketFrameHeader(bool Fin, WebSocketOpcode Opcode, bool Masked, long PayloadLength, uint MaskKey, int HeaderLength)
{
    public bool IsControl => ((byte)Opcode & 0x8) != 0;
}

/// <summary>Writes server-to-client frame headers (never masked, RFC 6455 §5.1).</summary>
public static class WebSocketFrameWriter
{
    /// <summary>Longest header a server frame needs: 2 bytes plus a 64-bit length.</summary>
    public const int MaxHeaderLength = 10;

    public static int WriteHeader(Span<byte> destination, WebSocketOpcode opcode, bool fin, long payloadLength)
    {
        destination[0] = (byte)((fin ? 0x80 : 0) | (byte)opcode);
        if (payloadLength < 126)
        {
            destination[1] = (byte)payloadLength;
            return 2;
        }

        if (payloadLength <= ushort.MaxValue)
        {
            destination[1] = 126;
            BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)payloadLength);
            return 4;
        }

        destination[1] = 127;
        BinaryPrimitives.WriteUInt64BigEndian(destination[2..], (ulong)payloadLength);
        return 10;
    }

    /// <summary>A whole close frame: code (omitted for <see cref="WebSocketCloseCode.NoStatus"/>) and a reason of at most 123 bytes.</summary>
    public static int WriteClose(Span<byte> destination, ushort code, ReadOnlySpan<byte> reason)
    {
        if (code == WebSocketCloseCode.NoStatus)
        {
            return WriteHeader(destination, WebSocketOpcode.Close, fin: true, 0);
        }

        reason = reason[..Math.Min(reason.Length, 123)];
        int header = WriteHeader(destination, WebSocketOpcode.Close, fin: true, 2 + reason.Length);
        BinaryPrimitives.WriteUInt16BigEndian(destination[header..], code);
        reason.CopyTo(destination[(header + 2)..]);
        return header + 2 + reason.Length;
    }
}
