using BenchmarkDotNet.Attributes;
using EdgeGw.Core.Observability;

namespace EdgeGw.Benchmarks.Metrics;

/// <summary>
/// Recording one request's metrics (status class, cache, both histograms) into its route's striped counters: what
/// step 8 pays per request whatever the access log does. Expect 0 B and a handful of interlocked adds.
/// </summary>
[MemoryDiagnoser]
public class RouteMetricsBenchmarks
{
    private readonly RouteMetrics _metrics = new("shop", "prod", "GET /pets/{id}", System.Diagnostics.Stopwatch.Frequency);
    private RequestRecord _proxied;
    private RequestRecord _mock;

    [GlobalSetup]
    public void Setup()
    {
        long f = System.Diagnostics.Stopwatch.Frequency;
        _proxied.Begin(1_000_000, f, 0, null);
        _proxied.Status = 200;
        _proxied.Cache = CacheResult.Miss;
        _proxied.IntegrationStartTimestamp = 1_000_000 + (f / 10_000);
        _proxied.IntegrationEndTimestamp = 1_000_000 + (f / 1_000);
        _mock.Begin(1_000_000, f, 0, null);
        _mock.Status = 200;
    }

    [Benchmark(Baseline = true)]
    public void Proxied() => _metrics.Record(in _proxied, 1_000_000 + (System.Diagnostics.Stopwatch.Frequency / 500));

    [Benchmark]
    public void Mock() => _metrics.Record(in _mock, 1_000_100);
}
