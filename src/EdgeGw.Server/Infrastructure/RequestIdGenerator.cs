using System.Buffers.Text;
using System.Security.Cryptography;

namespace EdgeGw.Server.Infrastructure;

/// <summary>
/// Request ids unique per process run and across runs: a random 64-bit prefix drawn at start, then a counter.
/// Formatted straight into a caller's buffer as 33 ASCII bytes; nothing allocated.
/// </summary>
public static class RequestIdGenerator
{
    public const int Length = 33;
    private static readonly ulong s_prefix = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
    private static long s_counter;

    public static int Next(Span<byte> destination)
    {
        ulong counter = (ulong)Interlocked.Increment(ref s_counter);
        Utf8Formatter.TryFormat(s_prefix, destination, out _, new System.Buffers.StandardFormat('x', 16));
        destination[16] = (byte)'-';
        Utf8Formatter.TryFormat(counter, destination[17..], out _, new System.Buffers.StandardFormat('x', 16));
        return Length;
    }
}
