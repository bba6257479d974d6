using System.Numerics;
using System.Runtime.CompilerServices;

namespace EdgeGw.Core.Caching;

/// <summary>
/// TinyLFU's admission filter: a count-min sketch of how often each key was asked for recently, with small
/// saturating counters that are all halved every <c>10 × expected entries</c> additions so old popularity fades.
/// 16 counters per expected entry keep the average counter low (about 2.5 before each halving), so estimates
/// separate popular keys from the crowd instead of saturating. Updates are
/// deliberately unsynchronised: a lost increment only blurs an estimate, and a counter already at the ceiling
/// is never written, so a hot key's lookups only read shared memory.
/// </summary>
internal sealed class FrequencySketch
{
    private const byte Ceiling = 15;
    private const int LineBytes = 64;

    private readonly byte[] _counters;
    private readonly int _lineShift;
    private readonly int _sampleSize;
    private int _additions;

    public FrequencySketch(int expectedEntries)
    {
        int width = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp((long)expectedEntries * 16, 4096, 1 << 26));
        _counters = new byte[width];
        _lineShift = 64 - BitOperations.Log2((uint)(width / LineBytes));
        _sampleSize = width / 16 * 10;
    }

    // The four counters of a key share one 64-byte line (one cache miss per lookup, as Caffeine's sketch):
    // the line comes from the high bits of a remixed hash, and row i picks one of 16 bytes in quarter i.
    public int Estimate(ulong hash)
    {
        ref byte line = ref Line(hash, out ulong spread);
        int min = Ceiling;
        for (int row = 0; row < 4; row++)
        {
            min = Math.Min(min, Unsafe.Add(ref line, Offset(spread, row)));
        }

        return min;
    }

    /// <summary>Counts <paramref name="times"/> requests for the key (saturating), in one cache line.</summary>
    public void Increment(ulong hash, int times = 1)
    {
        ref byte line = ref Line(hash, out ulong spread);
        bool added = false;
        for (int row = 0; row < 4; row++)
        {
            ref byte counter = ref Unsafe.Add(ref line, Offset(spread, row));
            if (counter < Ceiling)
            {
                counter = (byte)Math.Min(Ceiling, counter + times);
                added = true;
            }
        }

        if (added && ++_additions >= _sampleSize)
        {
            Age();
        }
    }

    private ref byte Line(ulong hash, out ulong spread)
    {
        spread = (hash ^ (hash >> 29)) * 0x9E3779B97F4A7C15UL;
        int line = (int)(spread >> _lineShift);
        return ref _counters[line * LineBytes];
    }

    private static int Offset(ulong spread, int row) => (row * 16) + (int)((spread >> (row * 4)) & 15);

    private void Age()
    {
        _additions = 0;
        var counters = _counters.AsSpan();
        for (int i = 0; i < counters.Length; i++)
        {
            counters[i] >>= 1;
        }
    }
}
