using EdgeGw.Core.Throttling;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGw.Core.Tests.Throttling;

public sealed class GcraTests
{
    private readonly FakeTimeProvider _time = new();

    private ThrottleBucket Bucket(double rate, int burst) => new(new ThrottleRate(rate, burst, _time.TimestampFrequency));

    private int Drain(ThrottleBucket bucket, int attempts)
    {
        int admitted = 0;
        for (int i = 0; i < attempts; i++)
        {
            admitted += bucket.TryTake(_time.GetTimestamp(), out _) ? 1 : 0;
        }

        return admitted;
    }

    [Fact]
    public void FullBucket_AdmitsBurst_ThenRefusesUntilRefill()
    {
        var bucket = Bucket(rate: 10, burst: 5);

        Assert.Equal(5, Drain(bucket, 100));
        _time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.Equal(0, Drain(bucket, 10));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(1, Drain(bucket, 10));
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(5, Drain(bucket, 100));
    }

    [Fact]
    public void Decision_ReportsRemainingRetryAfterAndReset()
    {
        var bucket = Bucket(rate: 2, burst: 4);
        long second = _time.TimestampFrequency;

        Assert.True(bucket.TryTake(_time.GetTimestamp(), out var first));
        Assert.Equal((4, 3), (first.Limit, first.Remaining));
        Assert.Equal(second / 2, first.ResetTicks);
        Drain(bucket, 3);

        Assert.False(bucket.TryTake(_time.GetTimestamp(), out var denied));
        Assert.Equal(0, denied.Remaining);
        Assert.Equal(second / 2, denied.RetryAfterTicks);
        Assert.Equal(2 * second, denied.ResetTicks);
    }

    [Fact]
    public void SteadyLoad_AdmitsRateTimesTimePlusBurst_Exactly()
    {
        var bucket = Bucket(rate: 100, burst: 20);
        int admitted = 0;
        for (int ms = 0; ms < 10_000; ms++)
        {
            admitted += Drain(bucket, 5);
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        // 10 s at 100/s, plus the initial burst (the last partial interval may or may not have refilled).
        Assert.InRange(admitted, 1000 + 20 - 1, 1000 + 20);
    }

    [Fact]
    public async Task Concurrent_Takers_NeverExceedBurst_OnAFrozenClock()
    {
        var bucket = Bucket(rate: 1, burst: 1000);
        int admitted = 0;
        using var start = new Barrier(4);
        var threads = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            start.SignalAndWait();
            int mine = Drain(bucket, 50_000);
            Interlocked.Add(ref admitted, mine);
        })).ToArray();
        await Task.WhenAll(threads);

        Assert.Equal(1000, admitted);
    }

    [Fact]
    public async Task Concurrent_Takers_StayWithinRateTimesTimePlusBurst_OnARealClock()
    {
        var time = TimeProvider.System;
        var bucket = new ThrottleBucket(new ThrottleRate(10_000, 100, time.TimestampFrequency));
        long started = time.GetTimestamp();
        int admitted = 0;
        var threads = Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            int mine = 0;
            for (int i = 0; i < 200_000; i++)
            {
                mine += bucket.TryTake(time.GetTimestamp(), out _) ? 1 : 0;
            }

            Interlocked.Add(ref admitted, mine);
        })).ToArray();
        await Task.WhenAll(threads);
        double seconds = time.GetElapsedTime(started).TotalSeconds;

        Assert.InRange(admitted, 1, (int)Math.Ceiling(10_000 * seconds) + 100);
    }

    [Fact]
    public void Take_AllocatesNothing()
    {
        var bucket = Bucket(rate: 1e6, burst: 1_000_000);
        var table = new ClientBucketTable(new ThrottleRate(1e6, 1_000_000, _time.TimestampFrequency), 1000);
        byte[] key = "client-1"u8.ToArray();
        bucket.TryTake(_time.GetTimestamp(), out _);
        table.TryTake(key, _time.GetTimestamp(), out _);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            bucket.TryTake(_time.GetTimestamp(), out _);
            table.TryTake(key, _time.GetTimestamp(), out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}

public sealed class ThrottleRateTests
{
    [Fact]
    public void TokensIn_IsTheExactQuotient_ForEveryRateAndCredit()
    {
        var random = new Random(20261125);
        double[] rates = [0.001, 0.3, 1, 3, 7, 100, 999.9, 1e6, 1e9, 1e12];
        int[] bursts = [1, 2, 10, 1000, 1_000_000, int.MaxValue];
        foreach (long frequency in new[] { 1_000_000_000L, TimeSpan.TicksPerSecond, 3_579_545L })
        {
            foreach (double rate in rates)
            {
                foreach (int burst in bursts)
                {
                    var throttle = new ThrottleRate(rate, burst, frequency);
                    for (int i = 0; i < 2_000; i++)
                    {
                        // Exact multiples and their neighbours (where rounding would show), then anywhere in range.
                        long credit = i < 300
                            ? Math.Clamp(throttle.Interval * random.NextInt64(0, burst + 1L) + (i % 3) - 1, 0, throttle.Tolerance)
                            : random.NextInt64(0, throttle.Tolerance + 1);
                        Assert.Equal(credit / throttle.Interval, throttle.TokensIn(credit));
                    }

                    Assert.Equal(throttle.Tolerance / throttle.Interval, throttle.TokensIn(throttle.Tolerance));
                }
            }
        }
    }

    [Theory]
    [InlineData(0.001, 10_000_000)]
    [InlineData(0.001, 1)]
    [InlineData(10_000_000, 10_000_000)]
    [InlineData(1, 10)]
    public void ExtremeSettings_StayPositive_AndAdmitAFullBucket(double rate, int burst)
    {
        var time = new FakeTimeProvider();
        var throttleRate = new ThrottleRate(rate, burst, time.TimestampFrequency);
        var bucket = new ThrottleBucket(throttleRate);

        Assert.True(throttleRate.Interval > 0);
        Assert.True(throttleRate.Tolerance >= throttleRate.Interval);
        Assert.True(bucket.TryTake(time.GetTimestamp(), out var decision));
        Assert.True(decision.Remaining >= 0);
    }
}
