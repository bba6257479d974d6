using System.Globalization;
using System.Text;
using System.Threading.RateLimiting;
using BenchmarkDotNet.Attributes;
using EdgeGw.Core.Throttling;
using EdgeGw.Transport;

namespace EdgeGw.Benchmarks.Throttling;

/// <summary>
/// One throttle check, EdgeGw's GCRA buckets against System.Threading.RateLimiting, on 1 and 2 threads:
/// a single shared bucket (vs <see cref="TokenBucketRateLimiter"/>), one hot client key and 1,000,000
/// distinct client keys (vs <see cref="PartitionedRateLimiter"/> with a token bucket per key). Rates are high
/// enough that every check is admitted: the steady state of a healthy gateway. The peer gets its keys as
/// ready-made strings (its best case); EdgeGw hashes the raw key bytes and reads its clock per check
/// (<see cref="LoopClock"/>: off an epoll loop, as here, that is <c>Stopwatch.GetTimestamp</c>, dearer than the
/// gateway's read of its loop's timestamp; the peer's auto-replenishing limiters read no clock at all, a timer
/// refills them).
/// <para>
/// The million-key loop walks the key arrays in order (as a gateway finds its key in the request buffer, already
/// in cache) while both sides were filled in a shuffled order, so each check's own lookups land at random places
/// in memory and are what is measured. (Walking the key arrays at random, as this benchmark did before, adds two
/// cache misses of the harness's own to every check on both sides: EdgeGw 168 ns vs 719 ns then.)
/// </para>
/// </summary>
[MemoryDiagnoser]
public class ThrottleBenchmarks
{
    private const int ManyKeys = 1_000_000;
    private const int Operations = 1_000_000;

    private ThrottleBucket _bucket = null!;
    private ClientBucketTable _table = null!;
    private TokenBucketRateLimiter _limiter = null!;
    private PartitionedRateLimiter<string> _partitioned = null!;
    private byte[][] _byteKeys = [];
    private string[] _stringKeys = [];

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var time = TimeProvider.System;
        var rate = new ThrottleRate(1e9, 1_000_000_000, time.TimestampFrequency);
        _bucket = new ThrottleBucket(rate);
        _table = new ClientBucketTable(rate, ManyKeys);
        var options = new TokenBucketRateLimiterOptions
        {
            TokenLimit = 1_000_000_000,
            TokensPerPeriod = 1_000_000_000,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
        _limiter = new TokenBucketRateLimiter(options);
        _partitioned = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => options));
        _byteKeys = new byte[ManyKeys][];
        _stringKeys = new string[ManyKeys];
        for (int i = 0; i < ManyKeys; i++)
        {
            _stringKeys[i] = string.Create(CultureInfo.InvariantCulture, $"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}");
            _byteKeys[i] = Encoding.ASCII.GetBytes(_stringKeys[i]);
        }

        // Warm every key so the measured loop is the steady state, not first-insert — in a shuffled order, so that
        // neither side's per-key objects sit in memory in the order the loop walks the keys.
        int[] order = new int[ManyKeys];
        for (int i = 0; i < ManyKeys; i++)
        {
            order[i] = i;
        }

        new Random(20261125).Shuffle(order);
        foreach (int i in order)
        {
            _table.TryTake(_byteKeys[i], LoopClock.Now(time), out _);
            _partitioned.AttemptAcquire(_stringKeys[i]).Dispose();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _limiter.Dispose();
        _partitioned.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Operations)]
    public int EdgeGw_SharedBucket() => Run<SharedBucket>();

    [Benchmark(OperationsPerInvoke = Operations)]
    public int TokenBucketRateLimiter_Shared() => Run<SharedLimiter>();

    [Benchmark(OperationsPerInvoke = Operations)]
    public int EdgeGw_HotKey() => Run<HotKey>();

    [Benchmark(OperationsPerInvoke = Operations)]
    public int Partitioned_HotKey() => Run<PartitionedHotKey>();

    [Benchmark(OperationsPerInvoke = Operations)]
    public int EdgeGw_MillionKeys() => Run<MillionKeys>();

    [Benchmark(OperationsPerInvoke = Operations)]
    public int Partitioned_MillionKeys() => Run<PartitionedMillionKeys>();

    // One check per implementation, as static abstract members on structs: the JIT compiles a loop per check with
    // the call inlined, so no delegate or interface dispatch is measured on either side.
    private interface ICheck
    {
        static abstract int Run(ThrottleBenchmarks self, int i);
    }

    private struct SharedBucket : ICheck
    {
        public static int Run(ThrottleBenchmarks self, int i) => self._bucket.TryTake(LoopClock.Now(TimeProvider.System), out _) ? 1 : 0;
    }

    private struct SharedLimiter : ICheck
    {
        public static int Run(ThrottleBenchmarks self, int i)
        {
            using var lease = self._limiter.AttemptAcquire();
            return lease.IsAcquired ? 1 : 0;
        }
    }

    private struct HotKey : ICheck
    {
        public static int Run(ThrottleBenchmarks self, int i) => self._table.TryTake(self._byteKeys[0], LoopClock.Now(TimeProvider.System), out _) ? 1 : 0;
    }

    private struct PartitionedHotKey : ICheck
    {
        public static int Run(ThrottleBenchmarks self, int i)
        {
            using var lease = self._partitioned.AttemptAcquire(self._stringKeys[0]);
            return lease.IsAcquired ? 1 : 0;
        }
    }

    private struct MillionKeys : ICheck
    {
        public static int Run(ThrottleBenchmarks self, int i) => self._table.TryTake(self._byteKeys[i], LoopClock.Now(TimeProvider.System), out _) ? 1 : 0;
    }

    private struct PartitionedMillionKeys : ICheck
    {
        public static int Run(ThrottleBenchmarks self, int i)
        {
            using var lease = self._partitioned.AttemptAcquire(self._stringKeys[i]);
            return lease.IsAcquired ? 1 : 0;
        }
    }

    private int Run<TCheck>() where TCheck : struct, ICheck
    {
        if (Threads == 1)
        {
            return Loop<TCheck>(this, 0, 1);
        }

        int total = 0;
        var threads = new Thread[Threads];
        for (int t = 0; t < threads.Length; t++)
        {
            int offset = t;
            threads[t] = new Thread(() => Interlocked.Add(ref total, Loop<TCheck>(this, offset, Threads)));
            threads[t].Start();
        }

        foreach (var thread in threads)
        {
            thread.Join();
        }

        return total;
    }

    private static int Loop<TCheck>(ThrottleBenchmarks self, int offset, int stride) where TCheck : struct, ICheck
    {
        int admitted = 0;
        for (int n = offset; n < Operations; n += stride)
        {
            admitted += TCheck.Run(self, n % ManyKeys);
        }

        return admitted;
    }
}
