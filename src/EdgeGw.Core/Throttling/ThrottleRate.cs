namespace EdgeGw.Core.Throttling;

/// <summary>
/// A token bucket's settings in clock ticks, for the generic cell rate algorithm (GCRA): each admitted request
/// moves the bucket's theoretical arrival time (TAT) <see cref="Interval"/> ticks later; a request is admitted
/// while TAT stays within <see cref="Tolerance"/> (= burst × interval) of now. That is exactly a token bucket of
/// <c>burst</c> tokens refilled at <c>rate</c> per second, kept in one 64-bit value.
/// </summary>
public sealed record ThrottleRate
{
    public ThrottleRate(double ratePerSecond, int burst, long ticksPerSecond)
    {
        RatePerSecond = ratePerSecond;
        Burst = burst;
        // Saturated, not wrapped: a slow rate with a big burst (0.001/s × 10,000,000) would overflow a long and turn
        // the bucket's credit negative, refusing everything. A quarter of long.MaxValue ticks is decades.
        const long Ceiling = long.MaxValue / 4;
        Interval = (long)Math.Clamp(Math.Round(ticksPerSecond / ratePerSecond), 1, Ceiling);
        Tolerance = Interval > Ceiling / Math.Max(burst, 1) ? Ceiling : Interval * burst;
        TicksPerSecond = ticksPerSecond;
        _inverseInterval = 1.0 / Interval;
    }

    public double RatePerSecond { get; }
    public int Burst { get; }
    /// <summary>Ticks per token.</summary>
    public long Interval { get; }
    /// <summary>Ticks of credit a full bucket holds.</summary>
    public long Tolerance { get; }
    public long TicksPerSecond { get; }

    private readonly double _inverseInterval;

    /// <summary>
    /// Whole tokens in <paramref name="credit"/> ticks (0 ≤ credit ≤ <see cref="Tolerance"/>): a multiply by the
    /// reciprocal, corrected to the exact quotient — every check needs it, and a 64-bit division costs more than
    /// the rest of the arithmetic of a check.
    /// </summary>
    public int TokensIn(long credit)
    {
        long tokens = (long)(credit * _inverseInterval);
        if (tokens * Interval > credit)
        {
            tokens--;
        }
        else if ((tokens + 1) * Interval <= credit)
        {
            tokens++;
        }

        return (int)tokens;
    }
}
