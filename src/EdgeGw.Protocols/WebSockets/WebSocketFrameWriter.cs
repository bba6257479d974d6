using System.Buffers.Binary;

namespace EdgeGw.Protocols.WebSockets;

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
