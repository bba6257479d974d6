using EdgeGw.Core.Observability;
using EdgeGw.Core.UsagePlans;

namespace EdgeGw.Core.Tests.Observability;

public sealed class RouteMetricsTests
{
    private const long Frequency = 1_000_000; // microsecond ticks

    [Theory]
    [InlineData(0, 0)]            // 0 s: the first bucket (le 0.00025)
    [InlineData(250, 0)]          // exactly on a bound: that bucket (le is "less or equal")
    [InlineData(251, 1)]
    [InlineData(1_000, 2)]        // 1 ms
    [InlineData(30_000_000, 15)]  // 30 s: the last bound
    [InlineData(30_000_001, 16)]  // beyond: +Inf
    public void Index_PicksTheFirstBoundNotExceeded(long ticks, int bucket) =>
        Assert.Equal(bucket, LatencyBuckets.Index(LatencyBuckets.InTicks(Frequency), ticks));

    [Fact]
    public void Buckets_RunFromAQuarterMillisecondToThirtySeconds_WithALabelEach()
    {
        Assert.Equal(0.00025, LatencyBuckets.Seconds[0]);
        Assert.Equal(30, LatencyBuckets.Seconds[^1]);
        Assert.Equal(LatencyBuckets.Count, LatencyBuckets.Labels.Length);
        Assert.Equal("+Inf", LatencyBuckets.Labels[^1]);
        for (int i = 0; i < LatencyBuckets.Seconds.Length; i++)
        {
            Assert.Equal(LatencyBuckets.Seconds[i], double.Parse(LatencyBuckets.Labels[i], System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void Record_CountsStatusClass_Cache_Access_Authorizer_AndBothHistograms()
    {
        var metrics = new RouteMetrics("shop", "prod", "GET /pets/{id}", Frequency);
        var record = default(RequestRecord);
        record.Begin(1_000, Frequency, 0, null);
        record.Status = 200;
        record.Cache = CacheResult.Miss;
        record.IntegrationStartTimestamp = 1_100;
        record.IntegrationEndTimestamp = 3_100;        // 2 ms
        record.Authorizer = AuthorizerOutcome.Denied;
        record.AuthorizerTicks = 400;                  // 0.4 ms
        metrics.Record(in record, end: 6_000);         // 5 ms

        var throttled = default(RequestRecord);
        throttled.Begin(10_000, Frequency, 0, null);
        throttled.Status = 429;
        throttled.AccessChecked = true;
        throttled.Access = AccessOutcome.Throttled;
        metrics.Record(in throttled, end: 10_000);

        var gone = default(RequestRecord);
        gone.Begin(20_000, Frequency, 0, null);
        metrics.Record(in gone, end: 0);               // no status, no end: counted as "none", not timed

        Assert.Equal(1, metrics.Requests(2));
        Assert.Equal(1, metrics.Requests(4));
        Assert.Equal(1, metrics.Requests(0));
        Assert.Equal(0, metrics.Requests(5));
        Assert.Equal(1, metrics.Read(RouteMetrics.CacheMisses));
        Assert.Equal(0, metrics.Read(RouteMetrics.CacheHits));
        Assert.Equal(1, metrics.Read(RouteMetrics.Throttled));
        Assert.Equal(0, metrics.Read(RouteMetrics.QuotaExceeded));
        Assert.Equal(1, metrics.Authorizations(AuthorizerOutcome.Denied));
        Assert.Equal(0, metrics.Authorizations(AuthorizerOutcome.Allowed));

        Span<long> buckets = stackalloc long[LatencyBuckets.Count];
        double sum = metrics.Histogram(RouteMetrics.RequestHistogram, buckets);
        Assert.Equal(0.005, sum, 9);
        Assert.Equal(1, buckets[0]);      // the throttled one: 0 s
        Assert.Equal(1, buckets[3]);      // le 0.0025: still only the 0 s one
        Assert.Equal(2, buckets[4]);      // le 0.005: the 5 ms one too
        Assert.Equal(2, buckets[^1]);     // _count: two timed requests

        sum = metrics.Histogram(RouteMetrics.IntegrationHistogram, buckets);
        Assert.Equal(0.002, sum, 9);
        Assert.Equal(0, buckets[2]);      // le 0.001
        Assert.Equal(1, buckets[3]);      // le 0.0025
        Assert.Equal(1, buckets[^1]);

        sum = metrics.Histogram(RouteMetrics.AuthorizerHistogram, buckets);
        Assert.Equal(0.0004, sum, 9);
        Assert.Equal(1, buckets[1]);      // le 0.0005
    }

    [Fact]
    public async Task StripedCounters_SumEveryThreadsAdds()
    {
        var counters = new StripedCounters(3);
        var threads = new Task[8];
        for (int t = 0; t < threads.Length; t++)
        {
            threads[t] = Task.Run(() =>
            {
                for (int i = 0; i < 10_000; i++)
                {
                    int stripe = counters.Stripe();
                    counters.Increment(stripe, 1);
                    counters.Add(stripe, 2, 3);
                }
            });
        }

        await Task.WhenAll(threads);
        Assert.Equal(0, counters.Read(0));
        Assert.Equal(80_000, counters.Read(1));
        Assert.Equal(240_000, counters.Read(2));
    }
}
