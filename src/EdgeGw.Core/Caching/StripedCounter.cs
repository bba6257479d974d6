namespace EdgeGw.Core.Caching;

/// <summary>
/// A counter incremented from every core without contending on one cache line: each core adds to its own
/// padded slot and readers sum them. Used for per-request statistics on the hot path. The increment is a plain
/// add, not an interlocked one (which would cost more than the lookup it counts): two threads can only race
/// on a slot when one is preempted mid-increment on the same core, and then one count is lost.
/// </summary>
internal sealed class StripedCounter
{
    // 8 longs = 64 bytes: one slot per cache line.
    private const int Stride = 8;
    private readonly long[] _slots;
    private readonly int _mask;

    public StripedCounter()
    {
        int stripes = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(Environment.ProcessorCount, 1));
        _mask = stripes - 1;
        _slots = new long[(stripes + 1) * Stride];
    }

    public void Increment() => _slots[((Thread.GetCurrentProcessorId() & _mask) + 1) * Stride]++;

    /// <summary>Increments this core's slot and returns its new value (a cheap per-core sequence for sampling).</summary>
    public long IncrementAndGet() => ++_slots[((Thread.GetCurrentProcessorId() & _mask) + 1) * Stride];

    public void Add(long value) => Interlocked.Add(ref _slots[((Thread.GetCurrentProcessorId() & _mask) + 1) * Stride], value);

    public long Value
    {
        get
        {
            long sum = 0;
            for (int i = Stride; i < _slots.Length; i += Stride)
            {
                sum += Volatile.Read(ref _slots[i]);
            }

            return sum;
        }
    }
}
