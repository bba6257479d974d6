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

    // A quota counter capped at ARGV[1], expiring with its period (ARGV[3]). KEYS[2] holds each instance's leased,
    // unsettled units; KEYS[3] is the membership set (score: expiry in ms on Redis time). The caller (ARGV[4])
    // settles ARGV[5] units it spent and gives back ARGV[6] unused ones; units held by instances whose membership
    // expired return to the pool. What an instance holds after a grant is at most a fair share of what is left
    // (half of it split between the live instances) and 1 % of the limit, but at least one unit while any is left;
    // a grant is at most ARGV[2]. So a small quota's last units go one at a time, to whichever instance holds none.
    private const string TakeQuotaScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local limit = tonumber(ARGV[1])
        local want = tonumber(ARGV[2])
        local me = ARGV[4]
        local spent = tonumber(ARGV[5])
        local back = tonumber(ARGV[6])
        if want > 0 then redis.call('ZADD', KEYS[3], now + tonumber(ARGV[7]), me) end
        local used = tonumber(redis.call('GET', KEYS[1]) or 0)
        local holders = redis.call('HGETALL', KEYS[2])
        for i = 1, #holders, 2 do
          local who = holders[i]
          if who ~= me then
            local expiry = redis.call('ZSCORE', KEYS[3], who)
            if not expiry or tonumber(expiry) < now then
              used = used - tonumber(holders[i + 1])
              redis.call('HDEL', KEYS[2], who)
            end
          end
        end
        used = math.max(0, used - back)
        local live = math.max(1, redis.call('ZCOUNT', KEYS[3], now, '+inf'))
        local left = math.max(0, limit - used)
        local share = math.max(1, math.min(math.floor(left / (2 * live)), math.floor(limit / 100)))
        local mine = tonumber(redis.call('HGET', KEYS[2], me) or 0) - spent - back
        local granted = math.max(0, math.min(want, share - math.max(0, mine), left))
        used = used + granted
        local held = mine + granted
        if held > 0 then redis.call('HSET', KEYS[2], me, held) else redis.call('HDEL', KEYS[2], me) end
        redis.call('SET', KEYS[1], used)
        redis.call('PEXPIREAT', KEYS[1], ARGV[3])
        if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('PEXPIREAT', KEYS[2], ARGV[3]) end
        return { granted, limit - used }
        """;

    private readonly ConnectionMultiplexer _redis;
    private readonly string _prefix;
    private readonly ConcurrentDictionary<string, GlobalLease> _leases = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private Task? _idleLoop;
    private long _failures;
    private long _leaseCalls;
    private long _leaseWaits;
    private long _leaseWaitTicks;
    private volatile bool _available = true;

    private RedisLimits(ConnectionMultiplexer redis, string prefix, bool failOpen, TimeSpan syncInterval, TimeProvider time, TimeSpan instanceTtl, TimeSpan leaseIdle)
    {
        InstanceTtl = instanceTtl;
        LeaseIdle = leaseIdle;
        _redis = redis;
        _prefix = prefix;
        FailOpen = failOpen;
        SyncInterval = syncInterval;
        Time = time;
        redis.ConnectionFailed += (_, e) => MarkUnavailable($"connection failed: {e.FailureType}");
        redis.ConnectionRestored += (_, _) => MarkAvailable();
    }

    /// <summary>Connects without waiting for Redis (StackExchange.Redis reconnects by itself).</summary>
    public static RedisLimits Connect(string configuration, string prefix, bool failOpen, TimeSpan syncInterval, TimeProvider time,
        TimeSpan? instanceTtl = null, TimeSpan? leaseIdle = null, RedisSettings? tls = null)
    {
        var options = ConfigurationOptions.Parse(configuration);
        if (tls is not null)
        {
            RedisTlsFiles.Apply(options, tls);
        }

        options.AbortOnConnectFail = false;
        options.ConnectTimeout = Math.Min(options.ConnectTimeout, 2000);
        options.SyncTimeout = Math.Min(options.SyncTimeout, 1000);
        options.AsyncTimeout = Math.Min(options.AsyncTimeout, 1000);
        var redis = ConnectionMultiplexer.Connect(options);
        var limits = new RedisLimits(redis, prefix, failOpen, syncInterval, time,
            instanceTtl ?? TimeSpan.FromMilliseconds(RedisSection.DefaultInstanceTtlMs), leaseIdle ?? TimeSpan.FromMilliseconds(RedisSection.DefaultLeaseIdleMs));
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

    /// <summary>Lease calls made to Redis (grants, settlements, give-backs): the Redis commands shared limits cost.</summary>
    public long LeaseCalls => Interlocked.Read(ref _leaseCalls);

    /// <summary>Requests that waited for a lease Redis had not answered yet (the only requests global mode makes wait on Redis).</summary>
    public long LeaseWaits => Interlocked.Read(ref _leaseWaits);

    /// <summary>The time those requests waited, in <see cref="TimeProvider"/> ticks of <see cref="Time"/>.</summary>
    public long LeaseWaitTicks => Interlocked.Read(ref _leaseWaitTicks);

    /// <summary>A request waited <paramref name="ticks"/> for a lease (off the hot path: only a waiting request calls it).</summary>
    public void OnLeaseWait(long ticks)
    {
        Interlocked.Increment(ref _leaseWaits);
        Interlocked.Add(ref _leaseWaitTicks, ticks);
    }

    /// <summary>Receives one line per availability change (the host logs it).</summary>
    public Action<string>? Log { get; set; }

    /// <summary>The shared bucket named <paramref name="name"/> (one per name and settings, for this process).</summary>
    public GlobalLease Bucket(string name, ThrottleRate rate) =>
        _leases.GetOrAdd($"t|{name}|{rate.RatePerSecond}|{rate.Burst}", static (_, a) => new GlobalLease(a.Self, a.Name, a.Rate, null), (Self: this, Name: name, Rate: rate));

    /// <summary>The shared quota counter for one key, plan and period start.</summary>
    public GlobalLease Quota(string name, long limit, DateTimeOffset periodStart, DateTimeOffset periodEnd) =>
        _leases.GetOrAdd($"q|{name}|{periodStart.UtcTicks}|{limit}", static (_, a) => new GlobalLease(a.Self, a.Name, null, a.Quota), (Self: this, Name: $"{name}|{periodStart.UtcTicks}", Quota: new QuotaLimit(limit, periodEnd)));

    /// <summary>
    /// One Redis call for a lease: up to <paramref name="want"/> more; for a quota also settles
    /// <paramref name="spent"/> units and gives <paramref name="back"/> unused ones. Returns what was granted and
    /// (quotas) what is left in Redis after it.
    /// </summary>
    internal async Task<(long Granted, long Left)> TakeAsync(GlobalLease lease, long want, long spent, long back)
    {
        Interlocked.Increment(ref _leaseCalls);
        var db = _redis.GetDatabase();
        RedisKey key = _prefix + lease.Name;
        if (lease.Rate is { } rate)
        {
            var tokens = await db.ScriptEvaluateAsync(TakeTokensScript, [key],
                [Microseconds(rate.Interval, rate.TicksPerSecond), Microseconds(rate.Tolerance, rate.TicksPerSecond), want]).ConfigureAwait(false);
            MarkAvailable();
            return ((long)tokens, 0);
        }

        var result = (RedisResult[])(await db.ScriptEvaluateAsync(TakeQuotaScript, [key, key.Append(":leases"), MembersKey],
            [lease.Quota!.Limit, want, HistoryExpiry(lease.Quota.End), InstanceId, spent, back, (long)InstanceTtl.TotalMilliseconds]).ConfigureAwait(false))!;
        MarkAvailable();
        return ((long)result[0], (long)result[1]);
    }

    /// <summary>
    /// A quota's cluster-wide use in the window starting at <paramref name="periodStart"/>: the units Redis
    /// counts minus those instances hold unspent (units spent since an instance's last lease call still count
    /// as held, so the figure can lag by at most one lease per instance).
    /// </summary>
    public async Task<long> QuotaUsedAsync(string name, DateTimeOffset periodStart)
    {
        var db = _redis.GetDatabase();
        RedisKey key = _prefix + $"{name}|{periodStart.UtcTicks}";
        var used = await db.StringGetAsync(key).ConfigureAwait(false);
        var held = await db.HashValuesAsync(key.Append(":leases")).ConfigureAwait(false);
        long total = used.IsNull ? 0 : (long)used;
        foreach (var value in held)
        {
            total -= (long)value;
        }

        return Math.Max(0, total);
    }

    /// <summary>
    /// A quota window's counter outlives its window by the usage history's retention, so
    /// <c>GET /apikeys/{id}/usage?from=…&amp;to=…</c> reads past windows from it (the key names its window's start).
    /// </summary>
    private static long HistoryExpiry(DateTimeOffset end) => (end + UsagePlans.UsageHistory.Retention).ToUnixTimeMilliseconds();

    // Sets a quota window's counter so that its use is ARGV[1]: the units instances hold unspent stay counted as held.
    private const string ResetQuotaScript = """
        local held = 0
        local values = redis.call('HVALS', KEYS[2])
        for i = 1, #values do held = held + tonumber(values[i]) end
        redis.call('SET', KEYS[1], held + tonumber(ARGV[1]))
        redis.call('PEXPIREAT', KEYS[1], ARGV[2])
        return held
        """;

    /// <summary>Sets a quota's cluster-wide use in the window <paramref name="periodStart"/>..<paramref name="periodEnd"/> (AWS's UpdateUsage).</summary>
    public async Task ResetQuotaAsync(string name, DateTimeOffset periodStart, DateTimeOffset periodEnd, long used)
    {
        RedisKey key = _prefix + $"{name}|{periodStart.UtcTicks}";
        await _redis.GetDatabase().ScriptEvaluateAsync(ResetQuotaScript, [key, key.Append(":leases")], [Math.Max(0, used), HistoryExpiry(periodEnd)]).ConfigureAwait(false);
    }

    /// <summary>The membership set: instance id → expiry (ms since the epoch, Redis time).</summary>
    public RedisKey MembersKey => _prefix + "cluster:members";

    /// <summary>This process's id in the cluster (random per start).</summary>
    public string InstanceId { get; } = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(6));

    /// <summary>How long a silent instance counts as live (its leased quota units return after it).</summary>
    public TimeSpan InstanceTtl { get; }

    /// <summary>How long a request waits for a lease Redis has not answered yet before the fail mode decides.</summary>
    public TimeSpan LeaseWait { get; set; } = TimeSpan.FromMilliseconds(RedisSection.DefaultLeaseWaitMs);

    /// <summary>How long a quota lease may sit unused before its units go back.</summary>
    public TimeSpan LeaseIdle { get; }

    /// <summary>The connection, for the cluster's membership and messages.</summary>
    public ConnectionMultiplexer Connection => _redis;

    /// <summary>The prefix of every key written.</summary>
    public string KeyPrefix => _prefix;

    /// <summary>Gives back the held units of quota leases idle for <see cref="LeaseIdle"/> (every one with <paramref name="all"/>).</summary>
    public async Task<long> ReturnIdleAsync(bool all)
    {
        long now = Time.GetTimestamp();
        long idle = all ? 0 : (long)(LeaseIdle.TotalSeconds * Time.TimestampFrequency);
        long returned = 0;
        foreach (var lease in _leases.Values)
        {
            if (lease.Quota is not null)
            {
                returned += await lease.ReturnIfIdleAsync(now, idle).ConfigureAwait(false);
            }
        }

        return returned;
    }

    private async Task IdleLoopAsync()
    {
        try
        {
            var period = TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond * 50, LeaseIdle.Ticks / 4));
            using var timer = new PeriodicTimer(period, Time);
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                await ReturnIdleAsync(all: false).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
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

    /// <summary>Starts giving idle quota leases back (the host calls it once).</summary>
    public void Start() => _idleLoop ??= IdleLoopAsync();

    /// <summary>Gives every held quota unit back (bounded by Redis's timeout), then closes the connection.</summary>
    public void Dispose()
    {
        _stopping.Cancel();
        if (_redis.IsConnected)
        {
            try
            {
                ReturnIdleAsync(all: true).Wait(TimeSpan.FromSeconds(2));
            }
            catch (AggregateException)
            {
                // Redis went away: the units return after this instance's membership expires.
            }
        }

        _redis.Dispose();
        _stopping.Dispose();
    }
}
