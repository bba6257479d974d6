using System.Diagnostics;

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

/// <summary>The outcome of one check, with what the rate-limit response headers need.</summary>
public struct ThrottleDecision
{
    public bool Allowed;
    /// <summary>The bucket size (<c>RateLimit-Limit</c>).</summary>
    public int Limit;
    /// <summary>Whole tokens left after this request (<c>RateLimit-Remaining</c>).</summary>
    public int Remaining;
    /// <summary>Ticks until a request would be admitted again (<c>Retry-After</c> when denied).</summary>
    public long RetryAfterTicks;
    /// <summary>Ticks until the bucket is full again (<c>RateLimit-Reset</c>).</summary>
    public long ResetTicks;
    public long TicksPerSecond;

    /// <summary>Keeps the tighter of two decisions: a denial, else the one with fewer tokens left.</summary>
    public void Merge(in ThrottleDecision other)
    {
        if (Limit == 0 || (!other.Allowed && Allowed) || (other.Allowed == Allowed && other.Remaining < Remaining))
        {
            this = other;
        }
    }
}

/// <summary>GCRA on a TAT field, updated with compare-and-swap: lock-free, allocation-free.</summary>
public static class Gcra
{
    public static bool TryTake(ref long tat, ThrottleRate rate, long now, out ThrottleDecision decision)
    {
        while (true)
        {
            long current = Volatile.Read(ref tat);
            long next = Math.Max(current, now) + rate.Interval;
            long ahead = next - now;
            if (ahead > rate.Tolerance)
            {
                Deny(current, rate, now, ahead, out decision);
                return false;
            }

            if (Interlocked.CompareExchange(ref tat, next, current) == current)
            {
                Admit(rate, ahead, out decision);
                return true;
            }
        }
    }

    /// <summary>The decision for a request admitted with the TAT now <paramref name="ahead"/> ticks after now.</summary>
    public static void Admit(ThrottleRate rate, long ahead, out ThrottleDecision decision) =>
        decision = new ThrottleDecision
        {
            Allowed = true,
            Limit = rate.Burst,
            Remaining = rate.TokensIn(rate.Tolerance - ahead),
            RetryAfterTicks = 0,
            ResetTicks = ahead,
            TicksPerSecond = rate.TicksPerSecond,
        };

    /// <summary>The decision for a request refused at TAT <paramref name="current"/>, which would have gone <paramref name="ahead"/>.</summary>
    public static void Deny(long current, ThrottleRate rate, long now, long ahead, out ThrottleDecision decision) =>
        decision = new ThrottleDecision
        {
            Allowed = false,
            Limit = rate.Burst,
            Remaining = 0,
            RetryAfterTicks = ahead - rate.Tolerance,
            ResetTicks = Math.Max(current, now) - now,
            TicksPerSecond = rate.TicksPerSecond,
        };

    /// <summary>A bucket whose TAT is at or before now is full: forgetting it loses nothing.</summary>
    public static bool IsIdle(long tat, long now) => tat <= now;
}

/// <summary>One shared bucket (gateway, stage or route level).</summary>
public sealed class ThrottleBucket
{
    private long _tat;

    public ThrottleBucket(ThrottleRate rate, GlobalLease? global = null)
    {
        Rate = rate;
        Global = global;
    }

    public ThrottleRate Rate { get; }

    /// <summary>In global mode, the tokens leased from Redis replace the local TAT.</summary>
    public GlobalLease? Global { get; }

    public bool TryTake(long now, out ThrottleDecision decision) =>
        Global is { } global ? global.TryTake(now, out decision) : Gcra.TryTake(ref _tat, Rate, now, out decision);
}
