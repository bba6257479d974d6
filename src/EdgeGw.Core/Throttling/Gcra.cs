namespace EdgeGw.Core.Throttling;

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
