namespace EdgeGw.Core.Deployments;

/// <summary>
/// A connection's own random stream for canary decisions (xorshift64*): a field of the connection's step, so drawing
/// takes no lock and shares no cache line; seeded once per connection from a process-wide counter and the clock.
/// </summary>
public struct CanaryRandom
{
    private static long s_seeds;
    private ulong _state;

    public CanaryRandom(ulong seed) => _state = Mix(seed) | 1; // xorshift's state must not be 0

    /// <summary>A stream distinct from every other connection's (a counter through SplitMix64, with the timestamp).</summary>
    public static CanaryRandom Create() =>
        new((ulong)Interlocked.Increment(ref s_seeds) * 0x9E3779B97F4A7C15UL ^ (ulong)System.Diagnostics.Stopwatch.GetTimestamp());

    /// <summary>64 bits whose high half is uniform (xorshift64*'s low bits are the weaker ones).</summary>
    public ulong Next()
    {
        ulong x = _state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        _state = x;
        return x * 0x2545F4914F6CDD1DUL;
    }

    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
