using StackExchange.Redis;

namespace EdgeGw.Core.Throttling;

/// <summary>
/// Tokens (or quota units) this instance holds from Redis. Spending one is an interlocked decrement; below
/// one batch a refill is started in the background (one at a time). When Redis granted nothing, the next
/// refill waits roughly until a token can exist, so an overloaded gateway does not hammer Redis.
/// </summary>
public sealed class GlobalLease
{
    private readonly RedisLimits _owner;
    private readonly long _batch;
    private long _tokens;
    private int _refilling;
    private long _notBefore;

    internal GlobalLease(RedisLimits owner, string name, ThrottleRate? rate, QuotaLimit? quota)
    {
        _owner = owner;
        Name = name;
        Rate = rate;
        Quota = quota;
        double perSync = rate is null ? 16 : rate.RatePerSecond * owner.SyncInterval.TotalSeconds;
        _batch = (long)Math.Clamp(Math.Ceiling(perSync), 1, rate?.Burst ?? 1000);
        Refill(owner.Time.GetTimestamp());
    }

    internal string Name { get; }
    internal ThrottleRate? Rate { get; }
    internal QuotaLimit? Quota { get; }

    /// <summary>Tokens held locally and not yet spent.</summary>
    public long Held => Interlocked.Read(ref _tokens);

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
            decision = new ThrottleDecision { Allowed = true, Limit = limit, Remaining = (int)Math.Min(left, int.MaxValue), TicksPerSecond = ticksPerSecond };
            return true;
        }

        Interlocked.Increment(ref _tokens);
        bool admit = !_owner.Available && _owner.FailOpen;
        long wait = Rate?.Interval ?? ticksPerSecond;
        decision = new ThrottleDecision { Allowed = admit, Limit = limit, Remaining = 0, RetryAfterTicks = wait, ResetTicks = wait, TicksPerSecond = ticksPerSecond };
        return admit;
    }

    private void Refill(long now)
    {
        if (now < Volatile.Read(ref _notBefore) || Interlocked.CompareExchange(ref _refilling, 1, 0) != 0)
        {
            return;
        }

        _ = RefillAsync();
    }

    private async Task RefillAsync()
    {
        try
        {
            long granted = await _owner.TakeAsync(this, _batch).ConfigureAwait(false);
            Interlocked.Add(ref _tokens, granted);
            if (granted < _batch)
            {
                // Redis is (nearly) out: ask again after a quarter sync interval, or when one token can exist.
                long frequency = _owner.Time.TimestampFrequency;
                long wait = Math.Max(Rate?.Interval ?? frequency, (long)(_owner.SyncInterval.TotalSeconds * frequency / 4));
                Volatile.Write(ref _notBefore, _owner.Time.GetTimestamp() + wait);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            _owner.MarkUnavailable(ex.GetType().Name);
            Volatile.Write(ref _notBefore, _owner.Time.GetTimestamp() + _owner.Time.TimestampFrequency / 10);
        }
        finally
        {
            Volatile.Write(ref _refilling, 0);
        }
    }
}
