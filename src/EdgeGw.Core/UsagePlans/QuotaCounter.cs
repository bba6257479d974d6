using EdgeGw.Core.Model;
using EdgeGw.Core.Throttling;

namespace EdgeGw.Core.UsagePlans;

/// <summary>
/// Requests used by one key under one plan in the current window. The window is an immutable object replaced
/// when time passes its end, so counting is one interlocked add on the hot path.
/// </summary>
public sealed class QuotaCounter
{
    private readonly Func<DateTimeOffset, DateTimeOffset, GlobalLease>? _global;
    private readonly Action<DateTimeOffset, DateTimeOffset, long>? _closed;
    private Window _window;

    /// <param name="global">In global mode, makes the Redis lease for a window (once per window).</param>
    /// <param name="closed">Told a window's start, end and usage when the next one replaces it (the usage history).</param>
    public QuotaCounter(DateTimeOffset start, DateTimeOffset end, long used, Func<DateTimeOffset, DateTimeOffset, GlobalLease>? global = null,
        Action<DateTimeOffset, DateTimeOffset, long>? closed = null)
    {
        _global = global;
        _closed = closed;
        _window = NewWindow(start, end, used);
    }

    private Window NewWindow(DateTimeOffset start, DateTimeOffset end, long used) => new(start, end, used, _global?.Invoke(start, end));

    public DateTimeOffset Start => Volatile.Read(ref _window).Start;
    public DateTimeOffset End => Volatile.Read(ref _window).End;
    public long Used => Interlocked.Read(ref Volatile.Read(ref _window).Used);

    /// <summary>Counts one request if the quota allows it. <paramref name="remaining"/> is what is left after it.</summary>
    public bool TryConsume(long limit, QuotaPeriod period, DateTimeOffset now, out long remaining, out DateTimeOffset resetsAt) =>
        TryConsume(limit, period, now, out remaining, out resetsAt, out _);

    /// <summary>
    /// Global mode: the current window's lease when it is empty but Redis may still grant units (a refill is
    /// started; nothing is spent), so the caller can wait before spending any bucket's token.
    /// </summary>
    public GlobalLease? MustWait(long timestamp) =>
        _global is not null && Volatile.Read(ref _window).Global is { } global && global.NeedsWait(timestamp) ? global : null;

    /// <inheritdoc cref="TryConsume(long, QuotaPeriod, DateTimeOffset, out long, out DateTimeOffset)"/>
    /// <param name="pending">Global mode: the lease to wait for when the answer is not known yet (then false is returned).</param>
    public bool TryConsume(long limit, QuotaPeriod period, DateTimeOffset now, out long remaining, out DateTimeOffset resetsAt, out GlobalLease? pending)
    {
        pending = null;
        var window = Current(period, now);
        resetsAt = window.End;
        if (window.Global is { } global)
        {
            // Shared across instances: the lease decides; Used counts this instance's share for the admin view.
            bool granted = global.TryTakeNow(out var decision);
            pending = decision.Pending;
            if (granted)
            {
                Interlocked.Increment(ref window.Used);
            }

            remaining = granted ? Math.Max(0, limit - window.Used) : 0;
            return granted;
        }

        long used = Interlocked.Increment(ref window.Used);
        if (used > limit)
        {
            // Refused requests do not count against the quota.
            Interlocked.Decrement(ref window.Used);
            remaining = 0;
            return false;
        }

        remaining = limit - used;
        return true;
    }

    /// <summary>The window holding <paramref name="now"/>: the current one, or the next, opened once by whoever sees the end first.</summary>
    private Window Current(QuotaPeriod period, DateTimeOffset now)
    {
        var window = Volatile.Read(ref _window);
        if (now < window.End)
        {
            return window;
        }

        var (start, end) = period.WindowOf(now);
        var fresh = NewWindow(start, end, 0);
        var seen = Interlocked.CompareExchange(ref _window, fresh, window);
        if (!ReferenceEquals(seen, window))
        {
            return seen;
        }

        // Once per period, by the request that opened the next window.
        _closed?.Invoke(window.Start, window.End, Interlocked.Read(ref window.Used));
        return fresh;
    }

    /// <summary>
    /// Sets the usage of the window holding <paramref name="now"/> (<c>POST /apikeys/{id}/usage/reset</c>, AWS's
    /// UpdateUsage); a request counted at the same moment may be lost, never double counted.
    /// </summary>
    public void Reset(long used, QuotaPeriod period, DateTimeOffset now) => Interlocked.Exchange(ref Current(period, now).Used, Math.Max(0, used));

    /// <summary>Restores persisted usage (startup only).</summary>
    internal void Restore(DateTimeOffset start, DateTimeOffset end, long used) => Volatile.Write(ref _window, NewWindow(start, end, used));

    private sealed class Window(DateTimeOffset start, DateTimeOffset end, long used, GlobalLease? global)
    {
        public readonly DateTimeOffset Start = start;
        public readonly DateTimeOffset End = end;
        public readonly GlobalLease? Global = global;
        public long Used = used;
    }
}
