using System.Buffers.Binary;

namespace EdgeGw.Core.Tracing;

/// <summary>
/// The W3C Trace Context <c>traceparent</c> header (<c>version-traceid-parentid-flags</c>, lower-case hex), read and
/// written on bytes. Version 00 is exactly 55 characters; a later version is read as 00 when its first 55 characters
/// are and the 56th (if any) is '-'; version ff, upper-case hex, all-zero ids and anything else are invalid, and an
/// invalid header is ignored (the gateway starts a new trace).
/// </summary>
public readonly struct TraceParent
{
    /// <summary>The length of a version 00 header.</summary>
    public const int Length = 55;
    public const byte SampledFlag = 0x01;

    public TraceParent(ulong traceIdHigh, ulong traceIdLow, ulong parentId, byte flags)
    {
        TraceIdHigh = traceIdHigh;
        TraceIdLow = traceIdLow;
        ParentId = parentId;
        Flags = flags;
    }

    /// <summary>The trace id's first 8 bytes (as written, big-endian).</summary>
    public ulong TraceIdHigh { get; }
    public ulong TraceIdLow { get; }
    /// <summary>The caller's span id.</summary>
    public ulong ParentId { get; }
    public byte Flags { get; }
    public bool Sampled => (Flags & SampledFlag) != 0;

    /// <summary>Reads one <c>traceparent</c> value (OWS already trimmed); false when it is not valid.</summary>
    public static bool TryParse(ReadOnlySpan<byte> value, out TraceParent parent)
    {
        parent = default;
        if (value.Length < Length || value[2] != '-' || value[35] != '-' || value[52] != '-')
        {
            return false;
        }

        if (!TryHexByte(value[0], value[1], out byte version) || version == 0xff)
        {
            return false;
        }

        // Version 00 has nothing after the flags; a later one may, after a '-'.
        if (value.Length > Length && (version == 0 || value[Length] != '-'))
        {
            return false;
        }

        if (!TryHex64(value.Slice(3, 16), out ulong high) || !TryHex64(value.Slice(19, 16), out ulong low) || (high | low) == 0)
        {
            return false;
        }

        if (!TryHex64(value.Slice(36, 16), out ulong parentId) || parentId == 0 || !TryHexByte(value[53], value[54], out byte flags))
        {
            return false;
        }

        parent = new TraceParent(high, low, parentId, flags);
        return true;
    }

    /// <summary>Writes <c>00-{trace id}-{span id}-{flags}</c> (<see cref="Length"/> bytes) into <paramref name="destination"/>.</summary>
    public static void Write(Span<byte> destination, ulong traceIdHigh, ulong traceIdLow, ulong spanId, bool sampled)
    {
        destination = destination[..Length];
        destination[0] = (byte)'0';
        destination[1] = (byte)'0';
        destination[2] = (byte)'-';
        WriteHex64(destination.Slice(3, 16), traceIdHigh);
        WriteHex64(destination.Slice(19, 16), traceIdLow);
        destination[35] = (byte)'-';
        WriteHex64(destination.Slice(36, 16), spanId);
        destination[52] = (byte)'-';
        destination[53] = (byte)'0';
        destination[54] = sampled ? (byte)'1' : (byte)'0';
    }

    /// <summary>16 lower-case hex digits of <paramref name="value"/> (big-endian).</summary>
    public static void WriteHex64(Span<byte> destination, ulong value)
    {
        for (int i = 15; i >= 0; i--)
        {
            destination[i] = "0123456789abcdef"u8[(int)(value & 0xF)];
            value >>= 4;
        }
    }

    /// <summary>The 8 bytes of an id as OTLP carries it (big-endian, as written in hex).</summary>
    public static void WriteBytes(Span<byte> destination, ulong value) => BinaryPrimitives.WriteUInt64BigEndian(destination, value);

    private static bool TryHex64(ReadOnlySpan<byte> digits, out ulong value)
    {
        value = 0;
        foreach (byte c in digits)
        {
            int d = HexValue(c);
            if (d < 0)
            {
                return false;
            }

            value = (value << 4) | (uint)d;
        }

        return true;
    }

    private static bool TryHexByte(byte hi, byte lo, out byte value)
    {
        int h = HexValue(hi), l = HexValue(lo);
        value = (byte)((h << 4) | l);
        return (h | l) >= 0;
    }

    /// <summary>A lower-case hex digit's value; -1 for anything else (upper case included, as the spec says).</summary>
    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        _ => -1,
    };
}
