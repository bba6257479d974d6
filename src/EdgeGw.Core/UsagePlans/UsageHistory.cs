using System.Collections.Concurrent;

namespace EdgeGw.Core.UsagePlans;

/// <summary>One closed quota window of one key under one plan.</summary>
public sealed record UsagePeriod(DateTimeOffset Start, DateTimeOffset End, long Used);

/// <summary>
/// The usage of past quota windows (single-instance mode; global mode keeps each window's counter in Redis for
/// <see cref="Retention"/> instead), for <c>GET /apikeys/{id}/usage?from=…&amp;to=…</c> as AWS's GetUsage gives it.
/// A window is recorded once, when the first request after its end opens the next (or at shutdown, through the
/// state file, which keeps them); windows older than <see cref="Retention"/> are dropped. Off the request path:
/// one call per key and plan per period.
/// </summary>
public sealed class UsageHistory(TimeProvider time)
{
    /// <summary>How long past windows are kept (AWS keeps usage data for 90 days).</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(90);

    private readonly ConcurrentDictionary<(string Key, string Plan), ConcurrentDictionary<long, UsagePeriod>> _periods = new();
    private long _version;

    /// <summary>Changes with every record, for the state file's change check.</summary>
    public long Version => Interlocked.Read(ref _version);

    public void Record(string keyId, string plan, DateTimeOffset start, DateTimeOffset end, long used)
    {
        var periods = _periods.GetOrAdd((keyId, plan), static _ => new ConcurrentDictionary<long, UsagePeriod>());
        periods[start.UtcTicks] = new UsagePeriod(start, end, used);
        var oldest = time.GetUtcNow() - Retention;
        foreach (var (ticks, period) in periods)
        {
            if (period.End < oldest)
            {
                periods.TryRemove(ticks, out _);
            }
        }

        Interlocked.Increment(ref _version);
    }

    /// <summary>The usage recorded for the window starting at <paramref name="start"/>, if any.</summary>
    public UsagePeriod? Find(string keyId, string plan, DateTimeOffset start) =>
        _periods.TryGetValue((keyId, plan), out var periods) && periods.TryGetValue(start.UtcTicks, out var period) ? period : null;

    /// <summary>Every recorded window (for the state file).</summary>
    public IEnumerable<(string Key, string Plan, UsagePeriod Period)> All()
    {
        foreach (var (id, periods) in _periods)
        {
            foreach (var period in periods.Values)
            {
                yield return (id.Key, id.Plan, period);
            }
        }
    }

    /// <summary>Forgets a deleted key's windows.</summary>
    public void Remove(string keyId)
    {
        foreach (var id in _periods.Keys)
        {
            if (id.Key == keyId && _periods.TryRemove(id, out _))
            {
                Interlocked.Increment(ref _version);
            }
        }
    }
}
