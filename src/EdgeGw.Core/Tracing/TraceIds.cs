using System.Runtime.CompilerServices;
using System.Numerics;
using System.Security.Cryptography;

namespace EdgeGw.Core.Tracing;

/// <summary>
/// Trace and span ids from a per-thread xoshiro256** generator (seeded once per thread from the OS's CSPRNG):
/// a few shifts and adds per id, no lock, no allocation. The ids need to be unique, not secret, so a fast
/// non-cryptographic generator is what OpenTelemetry's SDKs use too; never zero (zero is the invalid id).
/// </summary>
public static class TraceIds
{
    [ThreadStatic] private static ulong s0, s1, s2, s3;

    /// <summary>A random non-zero 64-bit value (a span id, or half a trace id).</summary>
    public static ulong Next()
    {
        if ((s0 | s1 | s2 | s3) == 0)
        {
            Seed();
        }

        while (true)
        {
            ulong result = BitOperations.RotateLeft(s1 * 5, 7) * 9;
            ulong t = s1 << 17;
            s2 ^= s0;
            s3 ^= s1;
            s1 ^= s2;
            s0 ^= s3;
            s2 ^= t;
            s3 = BitOperations.RotateLeft(s3, 45);
            if (result != 0)
            {
                return result;
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Seed()
    {
        Span<ulong> seed = stackalloc ulong[4];
        do
        {
            RandomNumberGenerator.Fill(System.Runtime.InteropServices.MemoryMarshal.AsBytes(seed));
        }
        while ((seed[0] | seed[1] | seed[2] | seed[3]) == 0);

        (s0, s1, s2, s3) = (seed[0], seed[1], seed[2], seed[3]);
    }
}
