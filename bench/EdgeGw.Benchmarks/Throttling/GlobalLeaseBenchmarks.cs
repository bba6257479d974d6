using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using EdgeGw.Core.Throttling;
using EdgeGw.Transport;

namespace EdgeGw.Benchmarks.Throttling;

/// <summary>
/// What global mode adds to a request: one check of a shared bucket's lease (tokens leased from a real
/// <c>redis-server</c> this benchmark starts on loopback, refilled in the background as the gateway does) against
/// the same check of a local bucket, and the spend of a shared quota unit. Each lease call to Redis is started from the check that drains the lease below
/// a batch, so its launch cost is in the figure, spread over the batch. Needs <c>redis-server</c> on the PATH.
/// </summary>
[MemoryDiagnoser]
public class GlobalLeaseBenchmarks
{
    private const int Operations = 100_000;
    private const int Port = 26399;

    private Process? _redis;
    private RedisLimits _limits = null!;
    private GlobalLease _lease = null!;
    private GlobalLease _quota = null!;
    private ThrottleBucket _bucket = null!;

    [GlobalSetup]
    public void Setup()
    {
        _redis = Process.Start(new ProcessStartInfo("redis-server", $"--port {Port} --bind 127.0.0.1 --save \"\" --appendonly no")
        {
            RedirectStandardOutput = true,
        })!;
        var time = TimeProvider.System;
        // A rate high enough that Redis grants every batch: the steady state of a healthy cluster.
        var rate = new ThrottleRate(50_000_000, 5_000_000, time.TimestampFrequency);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        _limits = RedisLimits.Connect($"127.0.0.1:{Port}", $"bench{Guid.NewGuid():N}:", failOpen: false, TimeSpan.FromMilliseconds(50), time);
        while (!_limits.IsConnected && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
        }

        _lease = _limits.Bucket("bench", rate);
        while (_lease.Held < 1000 && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);
        }

        if (_lease.Held < 1000)
        {
            throw new InvalidOperationException("redis-server did not grant the lease (is it installed?)");
        }

        // A quota large enough that its share (1 % of the limit) is never the bound: the per-request cost of
        // spending a unit and counting it unsettled, with the settlement calls it starts.
        _quota = _limits.Quota("bench-quota", 1_000_000_000_000, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(7));
        while (_quota.NeedsWait(TimeProvider.System.GetTimestamp()) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(10);
        }

        _bucket = new ThrottleBucket(rate);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _limits.Dispose();
        _redis?.Kill();
        _redis?.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Operations)]
    public int LocalBucket()
    {
        int admitted = 0;
        for (int i = 0; i < Operations; i++)
        {
            admitted += _bucket.TryTake(LoopClock.Now(TimeProvider.System), out _) ? 1 : 0;
        }

        return admitted;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public int GlobalLease()
    {
        int admitted = 0;
        for (int i = 0; i < Operations; i++)
        {
            admitted += _lease.TryTake(LoopClock.Now(TimeProvider.System), out _) ? 1 : 0;
        }

        return admitted;
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public int GlobalQuotaLease()
    {
        int admitted = 0;
        for (int i = 0; i < Operations; i++)
        {
            admitted += _quota.TryTake(LoopClock.Now(TimeProvider.System), out _) ? 1 : 0;
        }

        return admitted;
    }
}
