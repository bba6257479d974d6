using System.Buffers.Binary;
using EdgeGw.Protocols.WebSockets;

namespace EdgeGw.Protocols.Tests.WebSockets;

/// <summary>Encodes frames the way a client must send them (masked), with knobs to break each rule.</summary>
internal static class ClientFrames
{
    public static byte[] Frame(WebSocketOpcode opcode, ReadOnlySpan<byte> payload, bool fin = true, bool masked = true, byte rsv = 0, uint mask = 0x37FA213D, int? rawOpcode = null)
    {
        var frame = new List<byte> { (byte)((fin ? 0x80 : 0) | (rsv << 4) | (rawOpcode ?? (int)opcode)) };
        byte maskBit = masked ? (byte)0x80 : (byte)0;
        if (payload.Length < 126)
        {
            frame.Add((byte)(maskBit | payload.Length));
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            frame.Add((byte)(maskBit | 126));
            frame.Add((byte)(payload.Length >> 8));
            frame.Add((byte)payload.Length);
        }
        else
        {
            frame.Add((byte)(maskBit | 127));
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(length, (ulong)payload.Length);
            frame.AddRange(length.ToArray());
        }

        Span<byte> key = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(key, mask);
        if (masked)
        {
            frame.AddRange(key.ToArray());
        }

        for (int i = 0; i < payload.Length; i++)
        {
            frame.Add(masked ? (byte)(payload[i] ^ key[i % 4]) : payload[i]);
        }

        return [.. frame];
    }

    public static byte[] Text(string text, bool fin = true) => Frame(WebSocketOpcode.Text, System.Text.Encoding.UTF8.GetBytes(text), fin);

    public static byte[] Close(ushort code, string reason = "") =>
        Frame(WebSocketOpcode.Close, [(byte)(code >> 8), (byte)code, .. System.Text.Encoding.UTF8.GetBytes(reason)]);

    public static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];
}
