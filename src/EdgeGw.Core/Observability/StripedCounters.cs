using System.Numerics;

namespace EdgeGw.Core.Observability;

/// <summary>
/// A fixed set of 64-bit counters, striped by core: a recording thread adds to the stripe of the core it runs on
/// (<see cref="Thread.GetCurrentProcessorId"/>) with one <see cref="Interlocked"/> add, so cores rarely share a cache
/// line; a read sums the stripes. No lock, no allocation after construction.
/// </summary>
public sealed class StripedCounters
{
    /// <summary>Stripes: the core count rounded up to a power of two, at most 16 (memory stays slots × 8 B × 16).</summary>
    public static readonly int StripeCount = (int)Math.Min(16u, BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, Environment.ProcessorCount)));

    // Longs per cache line: stripes start on their own line, and the first stripe after one line of padding
    // (the array's header shares the first line).
    private const int LineLongs = 8;
    private readonly long[] _values;
    private readonly int _stride;

    public StripedCounters(int slots)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(slots);
        Slots = slots;
        _stride = (slots + LineLongs - 1) & ~(LineLongs - 1);
        _values = new long[LineLongs + (_stride * StripeCount)];
    }

    public int Slots { get; }

    /// <summary>The calling core's stripe: pass it to <see cref="Add"/> for several adds of one recording.</summary>
    public int Stripe() => LineLongs + ((Thread.GetCurrentProcessorId() & (StripeCount - 1)) * _stride);

    public void Add(int stripe, int slot, long value) => Interlocked.Add(ref _values[stripe + slot], value);

    public void Increment(int stripe, int slot) => Interlocked.Increment(ref _values[stripe + slot]);

    /// <summary>The sum over the stripes (each read atomically; the sum is not a snapshot across slots).</summary>
    public long Read(int slot)
    {
        long sum = 0;
        for (int offset = LineLongs + slot; offset < _values.Length; offset += _stride)
        {
            sum += Interlocked.Read(ref _values[offset]);
        }

        return sum;
    }
}
