using StackExchange.Redis;

namespace EdgeGw.Core.Throttling;

/// <summary>
/// Tokens (or quota units) this instance holds from Redis. Spending one is an interlocked decrement; below
/// one batch a refill is started in the background (one at a time). When Redis granted nothing, the next
/// refill waits roughly until a token can exist, so an overloaded gateway does not hammer Redis.
/// <para>
/// A lease that has nothing yet but may get something from Redis — its first refill has not answered, or (a
/// quota) Redis still has units — does not refuse: <see cref="TryTake"/> reports it as
/// <see cref="ThrottleDecision.Pending"/> with a refill in flight, and the caller awaits
/// <see cref="WaitAsync"/> (bounded) and asks again. Nothing blocks a thread.
/// </para>
/// <para>
/// Quota units are leased in small shares (Redis caps a grant at a fraction of what is left per live instance,
/// the last units one at a time), units spent are settled with the next call, and held units go back to Redis
/// when the lease sits idle (<see cref="ReturnIfIdleAsync"/>) and at shutdown.
/// </para>
/// </summary>
public sealed class GlobalLease
{
    private readonly RedisLimits _owner;
    private readonly long _batch;
    private readonly long _settleEvery;
    private long _tokens;
    private long _spent;
    private long _settling;
    private long _lastUse;
    private int _refilling;
    private int _primed;
    private long _notBefore;
    private Task _refill = Task.CompletedTask;

    internal GlobalLease(RedisLimits owner, string name, ThrottleRate? rate, QuotaLimit? quota)
    {
        _owner = owner;
        Name = name;
        Rate = rate;
        Quota = quota;
        double perSync = rate is null ? 16 : rate.RatePerSecond * owner.SyncInterval.TotalSeconds;
        _batch = (long)Math.Clamp(Math.Ceiling(perSync), 1, rate?.Burst ?? 1000);
        // Redis grants a quota at most 1 % of its limit at a time; unsettled spend is held to the same share.
        _settleEvery = quota is null ? long.MaxValue : Math.Max(1, quota.Limit / 100);
        if (rate is not null)
        {
            // Buckets are fetched ahead; a quota leases nothing until a request wants a unit (no idle share held).
            Refill(owner.Time.GetTimestamp());
        }
    }

    internal string Name { get; }
    internal ThrottleRate? Rate { get; }
    internal QuotaLimit? Quota { get; }

    /// <summary>Tokens held locally and not yet spent.</summary>
    public long Held => Interlocked.Read(ref _tokens);

    /// <summary>Whether Redis has answered this lease at least once.</summary>
    public bool Primed => Volatile.Read(ref _primed) != 0;

    public bool TryTakeNow(out ThrottleDecision decision) => TryTake(_owner.Time.GetTimestamp(), out decision);

    public bool TryTake(long now, out ThrottleDecision decision)
    {
        long left = Interlocked.Decrement(ref _tokens);
        if (left < _batch)
        {
            // Below one batch: fetch the next while this one lasts, so a late refill does not refuse requests.
            Refill(now);
        }

        int limit = Rate?.Burst ?? 0;
        long ticksPerSecond = Rate?.TicksPerSecond ?? _owner.Time.TimestampFrequency;
        if (left >= 0)
        {
            if (Quota is not null && !TrySpend(now))
            {
                // Its share is unsettled (in the call in flight and since): the unit goes back and the request
                // waits for that call, so what a killed instance spent and never settled stays within one share.
                Interlocked.Increment(ref _tokens);
                decision = new ThrottleDecision { Allowed = false, Limit = 0, TicksPerSecond = ticksPerSecond, RetryAfterTicks = ticksPerSecond, ResetTicks = ticksPerSecond, Pending = this };
                return false;
            }

            decision = new ThrottleDecision { Allowed = true, Limit = limit, Remaining = (int)Math.Min(left, int.MaxValue), TicksPerSecond = ticksPerSecond };
            return true;
        }

        Interlocked.Increment(ref _tokens);
        long wait = Rate?.Interval ?? ticksPerSecond;
        if (MayWait(now))
        {
            Refill(now);
            decision = new ThrottleDecision { Allowed = false, Limit = limit, TicksPerSecond = ticksPerSecond, RetryAfterTicks = wait, ResetTicks = wait, Pending = this };
            return false;
        }

        bool admit = !_owner.Available && _owner.FailOpen;
        decision = new ThrottleDecision { Allowed = admit, Limit = limit, Remaining = 0, RetryAfterTicks = wait, ResetTicks = wait, TicksPerSecond = ticksPerSecond };
        return admit;
    }

    /// <summary>
    /// Counts a quota unit as spent unless <see cref="_settleEvery"/> units are unsettled already — spent since the
    /// last lease call Redis answered (carried by the call in flight, or not sent yet) — while Redis is reachable:
    /// then a call is started if none is in flight and false returned (the request waits for it). A compare-and-swap,
    /// so concurrent requests cannot pass the bound together: unsettled spend, what Redis cannot know of when an
    /// instance is killed, never exceeds one share (1 % of the limit).
    /// </summary>
    private bool TrySpend(long now)
    {
        while (true)
        {
            long spent = Interlocked.Read(ref _spent);
            if (spent + Interlocked.Read(ref _settling) >= _settleEvery && _owner.Available)
            {
                Refill(now, settle: true);
                return false;
            }

            if (Interlocked.CompareExchange(ref _spent, spent + 1, spent) == spent)
            {
                Volatile.Write(ref _lastUse, now);
                return true;
            }
        }
    }

    /// <summary>Units spent and not settled yet: since the last lease call Redis answered.</summary>
    private long Unsettled => Interlocked.Read(ref _spent) + Interlocked.Read(ref _settling);

    /// <summary>
    /// Whether a request finding this lease empty should wait for Redis rather than be refused: Redis is
    /// reachable and either never answered this lease or (a quota) did not say it is out of units.
    /// </summary>
    private bool MayWait(long now) =>
        _owner.Available && (!Primed || (Quota is not null && (Volatile.Read(ref _refilling) != 0 || now >= Volatile.Read(ref _notBefore))));

    /// <summary>
    /// A quota lease that is empty but may get units, or that spent its share since the lease call in flight started:
    /// starts the refill and returns true (spends nothing). Checked before any bucket is spent.
    /// </summary>
    public bool NeedsWait(long now)
    {
        if (Quota is not null && Unsettled >= _settleEvery && _owner.Available)
        {
            Refill(now, settle: true);
            return true; // its share is unsettled: wait for the call that settles it (see TrySpend)
        }

        if (Interlocked.Read(ref _tokens) > 0 || !MayWait(now))
        {
            return false;
        }

        Refill(now);
        return true;
    }

    /// <summary>Completes when the refill in flight answers (or at once), within <paramref name="timeout"/>; never throws.</summary>
    public async ValueTask WaitAsync(TimeSpan timeout)
    {
        var refill = Volatile.Read(ref _refill);
        // Claimed (the flag is set) but not published yet: the refill's task is a few instructions away. Without
        // this a waiter would find the previous, completed task, ask again at once and use up its attempts.
        var spin = default(SpinWait);
        while (refill.IsCompleted && Volatile.Read(ref _refilling) != 0 && spin.Count < 64)
        {
            spin.SpinOnce();
            refill = Volatile.Read(ref _refill);
        }

        if (!refill.IsCompleted)
        {
            await refill.WaitAsync(timeout, _owner.Time).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// The answer when a wait timed out: a quota unit this instance holds is spent (the wait was for a settlement, not
    /// for units: it was granted, so spending it cannot over-admit); without one, the fail mode's.
    /// </summary>
    public ThrottleDecision TimedOutDecision()
    {
        if (Quota is not null)
        {
            if (Interlocked.Decrement(ref _tokens) >= 0)
            {
                Interlocked.Increment(ref _spent);
                Volatile.Write(ref _lastUse, _owner.Time.GetTimestamp());
                return new ThrottleDecision { Allowed = true, TicksPerSecond = _owner.Time.TimestampFrequency };
            }

            Interlocked.Increment(ref _tokens);
        }

        return FailModeDecision();
    }

    /// <summary>The fail mode's answer (a timed-out wait without a held unit).</summary>
    private ThrottleDecision FailModeDecision()
    {
        long ticksPerSecond = Rate?.TicksPerSecond ?? _owner.Time.TimestampFrequency;
        long wait = Rate?.Interval ?? ticksPerSecond;
        return new ThrottleDecision { Allowed = _owner.FailOpen, Limit = Rate?.Burst ?? 0, RetryAfterTicks = wait, ResetTicks = wait, TicksPerSecond = ticksPerSecond };
    }

    /// <summary>
    /// Moves the units spent so far to the call about to settle them (the one caller holding the refill flag):
    /// counted there first and then taken from <see cref="_spent"/>, so <see cref="Unsettled"/> never reads low.
    /// </summary>
    private long StartSettling()
    {
        long spent = Interlocked.Read(ref _spent);
        Interlocked.Add(ref _settling, spent);
        Interlocked.Add(ref _spent, -spent);
        return spent;
    }

    /// <summary>Starts a lease call unless one is in flight; not before <see cref="_notBefore"/> unless it is to <paramref name="settle"/> spent units.</summary>
    private void Refill(long now, bool settle = false)
    {
        if ((!settle && now < Volatile.Read(ref _notBefore)) || Interlocked.CompareExchange(ref _refilling, 1, 0) != 0)
        {
            return;
        }

        Volatile.Write(ref _refill, RefillAsync());
    }

    private async Task RefillAsync()
    {
        long spent = Quota is null ? 0 : StartSettling();
        try
        {
            await Task.Yield(); // never run the Redis call on the request's stack
            var (granted, left) = await _owner.TakeAsync(this, _batch, spent, 0).ConfigureAwait(false);
            Interlocked.Add(ref _tokens, granted);
            // A quota is out when Redis has nothing left; a bucket when Redis granted less than a batch.
            if (Quota is null ? granted < _batch : left <= 0 && granted == 0)
            {
                // Ask again after a quarter sync interval, or when one token can exist.
                long frequency = _owner.Time.TimestampFrequency;
                long wait = Math.Max(Rate?.Interval ?? frequency, (long)(_owner.SyncInterval.TotalSeconds * frequency / 4));
                Volatile.Write(ref _notBefore, _owner.Time.GetTimestamp() + wait);
            }
            else
            {
                Volatile.Write(ref _notBefore, 0);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            Interlocked.Add(ref _spent, spent);
            _owner.MarkUnavailable(ex.GetType().Name);
            Volatile.Write(ref _notBefore, _owner.Time.GetTimestamp() + _owner.Time.TimestampFrequency / 10);
        }
        finally
        {
            Interlocked.Add(ref _settling, -spent);
            Volatile.Write(ref _primed, 1);
            Volatile.Write(ref _refilling, 0);
        }
    }

    /// <summary>
    /// A quota lease unused for <paramref name="idleTicks"/> (or any, with 0: shutdown) gives its held units back
    /// and settles what it spent. Returns the units given back.
    /// </summary>
    internal async Task<long> ReturnIfIdleAsync(long now, long idleTicks)
    {
        if (idleTicks == 0 && Volatile.Read(ref _refilling) != 0)
        {
            // Shutdown with a refill in flight: let it land, so what it grants goes back too.
            await Volatile.Read(ref _refill).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        if (Quota is null || (Interlocked.Read(ref _tokens) <= 0 && Interlocked.Read(ref _spent) == 0) || now - Volatile.Read(ref _lastUse) < idleTicks
            || Interlocked.CompareExchange(ref _refilling, 1, 0) != 0)
        {
            return 0;
        }

        long back = Math.Max(0, Interlocked.Exchange(ref _tokens, 0));
        long spent = StartSettling();
        try
        {
            await _owner.TakeAsync(this, 0, spent, back).ConfigureAwait(false);
            return back;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            Interlocked.Add(ref _tokens, back);
            Interlocked.Add(ref _spent, spent);
            _owner.MarkUnavailable(ex.GetType().Name);
            return 0;
        }
        finally
        {
            Interlocked.Add(ref _settling, -spent);
            Volatile.Write(ref _refilling, 0);
        }
    }
}
