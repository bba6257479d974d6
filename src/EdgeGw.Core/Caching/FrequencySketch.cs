using System.Numerics;

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
    private static readonly ulong[] Seeds = [0xc3a5c85c97cb3127UL, 0xb492b66fbe98f273UL, 0x9ae16a3b2f90404fUL, 0xcbf29ce484222325UL];

    private readonly byte[] _counters;
    private readonly int _shift;
    private readonly int _sampleSize;
    private int _additions;

    public FrequencySketch(int expectedEntries)
    {
        int width = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp((long)expectedEntries * 16, 4096, 1 << 26));
        _counters = new byte[width];
        _shift = 64 - BitOperations.Log2((uint)width);
        _sampleSize = width / 16 * 10;
    }

    public int Estimate(ulong hash)
    {
        int min = Ceiling;
        for (int i = 0; i < Seeds.Length; i++)
        {
            min = Math.Min(min, _counters[Index(hash, i)]);
        }

        return min;
    }

    public void Increment(ulong hash)
    {
        bool added = false;
        for (int i = 0; i < Seeds.Length; i++)
        {
            ref byte counter = ref _counters[Index(hash, i)];
            if (counter < Ceiling)
            {
                counter++;
                added = true;
            }
        }

        if (added && ++_additions >= _sampleSize)
        {
            Age();
        }
    }

    private int Index(ulong hash, int row) => (int)((hash ^ (hash >> 29)) * Seeds[row] >> _shift);

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
