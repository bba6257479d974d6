using System.Globalization;
using System.Net;
using System.Net.Sockets;
using EdgeGw.Core.Throttling;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGw.Core.Tests.Throttling;

/// <summary>
/// Global-mode leases against <see cref="FakeRedis"/>: the batch a lease asks for, how leased tokens are spent,
/// when the next batch is asked for, and failMode when Redis is not there. The fake clock drives the lease's
/// own timing; only Redis's replies arrive on their own, so a test waits for those (never for time to pass).
/// </summary>
public sealed class RedisLimitsTests
{
    private const string Prefix = "test:";
    private readonly FakeTimeProvider _time = new();

    /// <summary>
    /// Connects and, unless <paramref name="ready"/> is false, waits until the connection is up: a lease made before
    /// that asks while the handshake may still run, and on a loaded machine that first call can time out (then
    /// nothing asks again until a request does, and a test waiting for the call would wait in vain).
    /// </summary>
    private RedisLimits Connect(string configuration, bool failOpen = false, int syncIntervalMs = 50, bool ready = true)
    {
        var limits = RedisLimits.Connect(configuration, Prefix, failOpen, TimeSpan.FromMilliseconds(syncIntervalMs), _time);
        if (ready)
        {
            Until(() => limits.IsConnected, "the connection to the fake Redis");
        }

        return limits;
    }

    private ThrottleRate Rate(double rate, int burst) => new(rate, burst, _time.TimestampFrequency);

    private static long Arg(ScriptCall call, int index) => long.Parse(call.Args[index], CultureInfo.InvariantCulture);

    /// <summary>Waits for something a Redis reply (or the loss of the connection) brings about.</summary>
    private static void Until(Func<bool> condition, string what) =>
        Assert.True(SpinWait.SpinUntil(condition, TimeSpan.FromSeconds(30)), "timed out waiting for " + what);

    private static string NothingListening()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        // Connect waits up to the connect timeout for a first connection: 200 ms rather than the 2 s it allows.
        return $"127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port},connectTimeout=200";
    }

    // --- what a lease asks for ------------------------------------------------------------------------------

    /// <summary>A batch is rate × syncInterval rounded up, at least one token and at most the burst.</summary>
    [Theory]
    [InlineData(100, 50, 50, 5)] // 100/s × 0.05 s
    [InlineData(200, 1000, 100, 20)] // 200/s × 0.1 s
    [InlineData(30, 100, 50, 2)] // 1.5 rounds up
    [InlineData(0.5, 5, 50, 1)] // 0.025: at least one
    [InlineData(1000, 10, 50, 10)] // 50, capped at the burst
    public async Task Bucket_AsksRedisForAboutRateTimesSyncInterval(double rate, int burst, int syncIntervalMs, long batch)
    {
        await using var redis = new FakeRedis();
        using var limits = Connect(redis.Configuration, syncIntervalMs: syncIntervalMs);

        limits.Bucket("route:a/s:GET /x", Rate(rate, burst));
        var call = await redis.NextScriptAsync();

        Assert.Equal(Prefix + "route:a/s:GET /x", call.Keys.Single());
        Assert.Equal(batch, Arg(call, 2));
        // The GCRA figures go in microseconds: one token every 1/rate s, a burst's worth of credit.
        Assert.InRange(Arg(call, 0), (long)(1_000_000 / rate) - 1, (long)(1_000_000 / rate) + 1);
        Assert.InRange(Arg(call, 1), (long)(burst * 1_000_000 / rate) - burst, (long)(burst * 1_000_000 / rate) + burst);
    }

    [Theory]
    [InlineData(1_000_000_000L)] // Stopwatch on Linux
    [InlineData(10_000_000L)] // TimeSpan ticks (Windows, FakeTimeProvider)
    [InlineData(1_000_000L)]
    [InlineData(1000L)]
    public async Task Bucket_SendsIntervalAndToleranceInMicroseconds_WhateverTheClockFrequency(long ticksPerSecond)
    {
        await using var redis = new FakeRedis();
        using var limits = Connect(redis.Configuration);

        limits.Bucket("stage:a/s", new ThrottleRate(100, 10, ticksPerSecond));
        var call = await redis.NextScriptAsync();

        Assert.Equal(10_000, Arg(call, 0)); // 100/s: one token every 10 ms
        Assert.Equal(100_000, Arg(call, 1)); // a burst of 10: 100 ms of credit
    }

    [Fact]
    public async Task Quota_AsksForSixteenUnits_CappedAtTheLimit_ExpiringWithTheUsageHistoryAfterThePeriodEnd()
    {
        await using var redis = new FakeRedis();
        using var limits = Connect(redis.Configuration);
        var start = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var end = start.AddMonths(1);

        // A quota leases nothing until a request wants a unit; that request waits for the lease (Pending).
        var lease = limits.Quota("quota|gold|k1", 1000, start, end);
        Assert.False(lease.TryTake(_time.GetTimestamp(), out var first));
        Assert.Same(lease, first.Pending);
        var call = await redis.NextScriptAsync();

        Assert.StartsWith(Prefix + "quota|gold|k1|", call.Keys[0], StringComparison.Ordinal);
        Assert.Equal(call.Keys[0] + ":leases", call.Keys[1]);
        Assert.Equal(Prefix + "cluster:members", call.Keys[2]);
        Assert.Equal(1000, Arg(call, 0));
        Assert.Equal(16, Arg(call, 1));
        // Kept past the period for GET /apikeys/{id}/usage?from=…&to=… (the window's start is in the key).
        Assert.Equal((end + EdgeGw.Core.UsagePlans.UsageHistory.Retention).ToUnixTimeMilliseconds(), Arg(call, 2));
    }

    // --- spending ---------------------------------------------------------------------------------------------

    [Fact]
    public async Task LeasedTokens_AreSpentLocally_ThenRefused_WhileRedisIsUpButGrantsNothing()
    {
        await using var redis = new FakeRedis();
        redis.Grants.Enqueue(5); // the first batch in full; later calls get nothing
        // failOpen: an empty lease refuses all the same while Redis answers.
        using var limits = Connect(redis.Configuration, failOpen: true);
        var rate = Rate(100, 50); // batch 5

        var lease = limits.Bucket("gateway", rate);
        Assert.Equal(5, Arg(await redis.NextScriptAsync(), 2));
        Until(() => lease.Held == 5, "the first batch");

        for (int left = 4; left >= 0; left--)
        {
            Assert.True(lease.TryTake(_time.GetTimestamp(), out var decision));
            Assert.Equal((true, 50, left), (decision.Allowed, decision.Limit, decision.Remaining));
        }

        // Below one batch, the next one was asked for.
        Assert.Equal(5, Arg(await redis.NextScriptAsync(), 2));
        Assert.True(limits.Available);
        Assert.False(lease.TryTake(_time.GetTimestamp(), out var refused));
        Assert.Equal((false, 0), (refused.Allowed, refused.Remaining));
        Assert.Equal(_time.TimestampFrequency / 100, refused.RetryAfterTicks);
        Assert.Equal(0, lease.Held);
    }

    [Fact]
    public async Task ShortGrant_SpendsWhatWasGranted_AndAsksAgainOnlyAfterAQuarterSyncInterval()
    {
        await using var redis = new FakeRedis();
        redis.Grants.Enqueue(2);
        redis.Grants.Enqueue(3);
        using var limits = Connect(redis.Configuration, syncIntervalMs: 100);
        var rate = Rate(100, 50); // batch 10, a token every 10 ms; a quarter sync interval is 25 ms

        var lease = limits.Bucket("gateway", rate);
        Assert.Equal(10, Arg(await redis.NextScriptAsync(), 2));
        Until(() => lease.Held == 2, "the short grant");

        Assert.True(lease.TryTake(_time.GetTimestamp(), out _));
        Assert.True(lease.TryTake(_time.GetTimestamp(), out _));
        Assert.False(lease.TryTake(_time.GetTimestamp(), out _));
        _time.Advance(TimeSpan.FromMilliseconds(25) - TimeSpan.FromTicks(1));
        Assert.False(lease.TryTake(_time.GetTimestamp(), out _));
        Assert.Equal(1, redis.ScriptCount);

        _time.Advance(TimeSpan.FromTicks(1));
        Assert.False(lease.TryTake(_time.GetTimestamp(), out _)); // starts the refill, which arrives later
        Assert.Equal(10, Arg(await redis.NextScriptAsync(), 2));
        Until(() => lease.Held == 3, "the second grant");
        Assert.True(lease.TryTake(_time.GetTimestamp(), out var decision));
        Assert.Equal(2, decision.Remaining);
    }

    [Fact]
    public async Task QuotaLease_SpendsUnits_WithoutABucketLimit()
    {
        await using var redis = new FakeRedis();
        redis.Grants.Enqueue(16);
        using var limits = Connect(redis.Configuration);
        var start = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

        var lease = limits.Quota("quota|gold|k1", 1000, start, start.AddMonths(1));
        Assert.True(lease.NeedsWait(_time.GetTimestamp()));
        await redis.NextScriptAsync();
        Until(() => lease.Held == 16, "the first units");

        Assert.True(lease.TryTake(_time.GetTimestamp(), out var decision));
        Assert.Equal((0, 15, _time.TimestampFrequency), (decision.Limit, decision.Remaining, decision.TicksPerSecond));
    }

    /// <summary>
    /// What a killed instance spent and never settled is what Redis cannot know of: one share (1 % of the limit) at
    /// most, counting the units the call in flight carries. While that call is unanswered, concurrent requests get
    /// exactly the rest of the share (a compare-and-swap: they cannot pass the bound together) and then wait.
    /// </summary>
    [Fact]
    public async Task QuotaLease_UnsettledSpend_NeverExceedsOneShare_CountingTheCallInFlight()
    {
        await using var redis = new FakeRedis();
        redis.Grants.Enqueue(40);
        redis.Grants.Enqueue(40);
        using var limits = Connect(redis.Configuration);
        var start = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var lease = limits.Quota("quota|gold|k1", 1000, start, start.AddMonths(1)); // a share: 10 units
        Assert.True(lease.NeedsWait(_time.GetTimestamp()));
        Assert.Equal(0, Arg(await redis.NextScriptAsync(), 4));
        Until(() => lease.Held == 40 && !lease.NeedsWait(_time.GetTimestamp()), "the first units");

        redis.HoldAnswers();
        int admitted = 0;
        int pending = 0;
        var threads = new Thread[4];
        for (int t = 0; t < threads.Length; t++)
        {
            threads[t] = new Thread(() =>
            {
                for (int i = 0; i < 50; i++)
                {
                    if (lease.TryTake(_time.GetTimestamp(), out var decision))
                    {
                        Interlocked.Increment(ref admitted);
                    }
                    else if (decision.Pending is not null)
                    {
                        Interlocked.Increment(ref pending);
                    }
                }
            });
            threads[t].Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        // The share was spent, a call carries it to Redis (unanswered), and nothing more is spent meanwhile.
        Assert.Equal(10, Arg(await redis.NextScriptAsync(), 4));
        Assert.Equal((10, 190), (admitted, pending));
        Assert.True(lease.NeedsWait(_time.GetTimestamp()));
        Assert.Equal(30, lease.Held);

        redis.ReleaseAnswers();
        Until(() => !lease.NeedsWait(_time.GetTimestamp()), "the settlement");
        Assert.True(lease.TryTake(_time.GetTimestamp(), out _));
    }

    // --- failMode ---------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RedisUnreachable_FailModeDecides(bool failOpen)
    {
        using var limits = Connect(NothingListening(), failOpen, ready: false);
        Assert.False(limits.Available);
        Assert.True(limits.Failures >= 1);
        var rate = Rate(10, 5);

        var lease = limits.Bucket("gateway", rate);
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(failOpen, lease.TryTake(_time.GetTimestamp(), out var decision));
            Assert.Equal(failOpen, decision.Allowed);
            Assert.Equal(_time.TimestampFrequency / 10, decision.RetryAfterTicks);
        }

        Assert.Equal(0, lease.Held);
    }

    [Fact]
    public async Task RedisLost_LeasedTokensAreStillSpent_ThenFailClosedRefuses()
    {
        var redis = new FakeRedis();
        redis.Grants.Enqueue(5);
        var lines = new List<string>();
        using var limits = Connect(redis.Configuration, failOpen: false);
        limits.Log = line => { lock (lines) { lines.Add(line); } };
        var lease = limits.Bucket("gateway", Rate(100, 50));
        await redis.NextScriptAsync();
        Until(() => lease.Held == 5, "the first batch");

        await redis.DisposeAsync();
        Until(() => !limits.Available, "the lost connection");

        // Every token admitted was granted by Redis before it went away.
        for (int i = 0; i < 5; i++)
        {
            Assert.True(lease.TryTake(_time.GetTimestamp(), out _));
        }

        Assert.False(lease.TryTake(_time.GetTimestamp(), out _));
        // The line is written just after the flag flips, on the thread that saw the connection go: wait for it.
        Until(() => { lock (lines) { return lines.Exists(l => l.Contains("closed: refusing", StringComparison.Ordinal)); } }, "the fail-closed log line");
    }
}
