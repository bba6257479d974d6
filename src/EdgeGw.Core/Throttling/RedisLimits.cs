using System.Collections.Concurrent;
using StackExchange.Redis;

namespace EdgeGw.Core.Throttling;

/// <summary>
/// Global mode: buckets and quotas shared by every gateway instance through Redis, without a Redis round
/// trip on the request path. Each instance leases small batches of tokens (or quota units) from Redis with a
/// Lua script that runs GCRA (or a capped counter) atomically on Redis's own clock, and spends them locally.
/// Every admitted request therefore spent a token Redis granted: instances can under-use a lease, never
/// over-admit. With Redis down, <see cref="FailOpen"/> decides: admit (open) or refuse (closed).
/// </summary>
public sealed class RedisLimits : IDisposable
{
    // GCRA on Redis time: grants up to ARGV[3] tokens, moving the bucket's TAT (microseconds) by each one.
    private const string TakeTokensScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local interval = tonumber(ARGV[1])
        local tolerance = tonumber(ARGV[2])
        local want = tonumber(ARGV[3])
        local tat = tonumber(redis.call('GET', KEYS[1]) or now)
        if tat < now then tat = now end
        local available = math.floor((now + tolerance - tat) / interval)
        local granted = math.max(0, math.min(want, available))
        if granted > 0 then
          tat = tat + granted * interval
          redis.call('SET', KEYS[1], tostring(tat), 'PX', math.ceil((tat - now) / 1000) + 1000)
        end
        return granted
        """;

    // A counter capped at ARGV[1], expiring with its period: grants up to ARGV[2] units.
    private const string TakeQuotaScript = """
        local used = tonumber(redis.call('GET', KEYS[1]) or 0)
        local granted = math.max(0, math.min(tonumber(ARGV[2]), tonumber(ARGV[1]) - used))
        if granted > 0 then
          redis.call('INCRBY', KEYS[1], granted)
          redis.call('PEXPIREAT', KEYS[1], ARGV[3])
        end
        return granted
        """;

    private readonly ConnectionMultiplexer _redis;
    private readonly string _prefix;
    private readonly ConcurrentDictionary<string, GlobalLease> _leases = new(StringComparer.Ordinal);
    private long _failures;
    private volatile bool _available = true;

    private RedisLimits(ConnectionMultiplexer redis, string prefix, bool failOpen, TimeSpan syncInterval, TimeProvider time)
    {
        _redis = redis;
        _prefix = prefix;
        FailOpen = failOpen;
        SyncInterval = syncInterval;
        Time = time;
        redis.ConnectionFailed += (_, e) => MarkUnavailable($"connection failed: {e.FailureType}");
        redis.ConnectionRestored += (_, _) => MarkAvailable();
    }

    /// <summary>Connects without waiting for Redis (StackExchange.Redis reconnects by itself).</summary>
    public static RedisLimits Connect(string configuration, string prefix, bool failOpen, TimeSpan syncInterval, TimeProvider time)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = Math.Min(options.ConnectTimeout, 2000);
        options.SyncTimeout = Math.Min(options.SyncTimeout, 1000);
        options.AsyncTimeout = Math.Min(options.AsyncTimeout, 1000);
        var redis = ConnectionMultiplexer.Connect(options);
        var limits = new RedisLimits(redis, prefix, failOpen, syncInterval, time);
        if (!redis.IsConnected)
        {
            limits.MarkUnavailable("not connected at startup");
        }

        return limits;
    }

    public bool FailOpen { get; }
    public TimeSpan SyncInterval { get; }
    public TimeProvider Time { get; }
    public bool Available => _available;
    /// <summary>A connection to Redis is open now (the multiplexer's view), for the admin API's <c>/ready</c>.</summary>
    public bool IsConnected => _redis.IsConnected;
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>Receives one line per availability change (the host logs it).</summary>
    public Action<string>? Log { get; set; }

    /// <summary>The shared bucket named <paramref name="name"/> (one per name and settings, for this process).</summary>
    public GlobalLease Bucket(string name, ThrottleRate rate) =>
        _leases.GetOrAdd($"t|{name}|{rate.RatePerSecond}|{rate.Burst}", static (_, a) => new GlobalLease(a.Self, a.Name, a.Rate, null), (Self: this, Name: name, Rate: rate));

    /// <summary>The shared quota counter for one key, plan and period start.</summary>
    public GlobalLease Quota(string name, long limit, DateTimeOffset periodStart, DateTimeOffset periodEnd) =>
        _leases.GetOrAdd($"q|{name}|{periodStart.UtcTicks}|{limit}", static (_, a) => new GlobalLease(a.Self, a.Name, null, a.Quota), (Self: this, Name: $"{name}|{periodStart.UtcTicks}", Quota: new QuotaLimit(limit, periodEnd)));

    internal async Task<long> TakeAsync(GlobalLease lease, long want)
    {
        var db = _redis.GetDatabase();
        RedisKey key = _prefix + lease.Name;
        RedisResult result = lease.Rate is { } rate
            ? await db.ScriptEvaluateAsync(TakeTokensScript, [key],
                [Microseconds(rate.Interval, rate.TicksPerSecond), Microseconds(rate.Tolerance, rate.TicksPerSecond), want]).ConfigureAwait(false)
            : await db.ScriptEvaluateAsync(TakeQuotaScript, [key],
                [lease.Quota!.Limit, want, lease.Quota.End.ToUnixTimeMilliseconds()]).ConfigureAwait(false);
        MarkAvailable();
        return (long)result;
    }

    /// <summary>Ticks to microseconds without overflowing for the largest (saturated) tolerances.</summary>
    private static long Microseconds(long ticks, long ticksPerSecond) =>
        ticksPerSecond >= 1_000_000 ? Math.Max(1, ticks / (ticksPerSecond / 1_000_000)) : (long)Math.Min(long.MaxValue / 4, ticks * (1_000_000.0 / ticksPerSecond));

    internal void MarkUnavailable(string reason)
    {
        Interlocked.Increment(ref _failures);
        if (_available)
        {
            _available = false;
            Log?.Invoke($"redis unavailable ({reason}); limits fail {(FailOpen ? "open: admitting" : "closed: refusing")}");
        }
    }

    private void MarkAvailable()
    {
        if (!_available)
        {
            _available = true;
            Log?.Invoke("redis available again; shared limits resumed");
        }
    }

    public void Dispose() => _redis.Dispose();
}
