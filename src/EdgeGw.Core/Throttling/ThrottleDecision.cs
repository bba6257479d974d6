namespace EdgeGw.Core.Throttling;

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
    /// <summary>
    /// Global mode: not refused but undecided — this lease is empty and waiting for Redis (its first lease, or a
    /// quota Redis still has units of). The caller awaits <see cref="GlobalLease.WaitAsync"/> and checks again.
    /// </summary>
    public GlobalLease? Pending;

    /// <summary>Keeps the tighter of two decisions: a denial, else the one with fewer tokens left.</summary>
    public void Merge(in ThrottleDecision other)
    {
        if (Limit == 0 || (!other.Allowed && Allowed) || (other.Allowed == Allowed && other.Remaining < Remaining))
        {
            this = other;
        }
    }
}
