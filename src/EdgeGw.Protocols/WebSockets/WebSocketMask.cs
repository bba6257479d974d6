using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace EdgeGw.Protocols.WebSockets;

/// <summary>The client-to-server payload mask (RFC 6455 §5.3): XOR with a 4-byte key repeated from the frame's first payload byte.</summary>
public static class WebSocketMask
{
    /// <param name="key">The key as it appears on the wire, read big-endian.</param>
    public static void Apply(Span<byte> payload, uint key)
    {
        if (payload.IsEmpty)
        {
            return;
        }

        // Lay the key out in memory order so that whole words can be XORed at once.
        Span<byte> keyBytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(keyBytes, key);
        uint word = MemoryMarshal.Read<uint>(keyBytes);
        int i = 0;
        if (Vector.IsHardwareAccelerated && payload.Length >= Vector<byte>.Count)
        {
            var mask = Vector.AsVectorByte(new Vector<uint>(word));
            var vectors = MemoryMarshal.Cast<byte, Vector<byte>>(payload);
            for (int v = 0; v < vectors.Length; v++)
            {
                vectors[v] ^= mask;
            }

            i = vectors.Length * Vector<byte>.Count;
        }

        ulong wide = word | ((ulong)word << 32);
        for (; i + 8 <= payload.Length; i += 8)
        {
            ref ulong chunk = ref MemoryMarshal.AsRef<ulong>(payload.Slice(i, 8));
            chunk ^= wide;
        }

        // Vector and word widths are multiples of 4, so the key lines up with the remaining bytes at offset 0.
        for (; i < payload.Length; i++)
        {
            payload[i] ^= keyBytes[i & 3];
        }
    }
}
