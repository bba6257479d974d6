namespace EdgeGw.Core.Observability;

/// <summary>
/// The counters and latency histograms of one route of one stage (or of the requests no route matched), bound
/// to the snapshot's routes by route key so that a reload keeps a route's series. <see cref="Record"/> runs once
/// per request after the response: a few striped adds, no allocation, no lock.
/// </summary>
public sealed class RouteMetrics
{
    // Slots of the striped counters.
    public const int StatusNone = 0; // 1..5: 1xx..5xx
    public const int CacheHits = 6;
    public const int CacheMisses = 7;
    public const int Throttled = 8;
    public const int QuotaExceeded = 9;
    public const int Forbidden = 10;
    public const int AuthorizerAllowed = 11; // + (outcome - 1)
    public const int RequestHistogram = 16;
    public static readonly int IntegrationHistogram = RequestHistogram + HistogramSlots;
    public static readonly int AuthorizerHistogram = IntegrationHistogram + HistogramSlots;
    /// <summary>Buckets (non-cumulative, +Inf last), then the sum of the durations in ticks.</summary>
    public static int HistogramSlots => LatencyBuckets.Count + 1;

    private readonly StripedCounters _counters = new(RequestHistogram + (3 * HistogramSlots));
    private readonly long[] _bounds;

    public RouteMetrics(string api, string stage, string routeKey, long frequency, bool canary = false)
    {
        Canary = canary;
        Api = api;
        Stage = stage;
        RouteKey = routeKey;
        Frequency = frequency;
        _bounds = LatencyBuckets.InTicks(frequency);
    }

    public string Api { get; }
    public string Stage { get; }
    public string RouteKey { get; }
    /// <summary>The route of a stage's canary deployment: its series carry <c>canary="true"</c>.</summary>
    public bool Canary { get; }
    /// <summary>Ticks per second of the recorded durations.</summary>
    public long Frequency { get; }

    /// <summary>Counts one request's outcome; <paramref name="end"/> is when its response was written (0: unknown).</summary>
    public void Record(in RequestRecord record, long end)
    {
        var counters = _counters;
        int stripe = counters.Stripe();
        int status = record.Status;
        counters.Increment(stripe, status is >= 100 and < 600 ? status / 100 : StatusNone);
        if (record.Cache != CacheResult.None)
        {
            counters.Increment(stripe, record.Cache == CacheResult.Hit ? CacheHits : CacheMisses);
        }

        if (record.AccessChecked && record.Access != UsagePlans.AccessOutcome.Allowed)
        {
            counters.Increment(stripe, record.Access switch
            {
                UsagePlans.AccessOutcome.Throttled => Throttled,
                UsagePlans.AccessOutcome.QuotaExceeded => QuotaExceeded,
                _ => Forbidden,
            });
        }

        if (record.Authorizer != AuthorizerOutcome.None)
        {
            counters.Increment(stripe, AuthorizerAllowed + (int)record.Authorizer - 1);
            Observe(counters, stripe, AuthorizerHistogram, record.AuthorizerTicks);
        }

        if (record.StartTimestamp != 0 && end != 0)
        {
            Observe(counters, stripe, RequestHistogram, Math.Max(0, end - record.StartTimestamp));
        }

        if (record.IntegrationStartTimestamp != 0 && record.IntegrationEndTimestamp >= record.IntegrationStartTimestamp)
        {
            Observe(counters, stripe, IntegrationHistogram, record.IntegrationEndTimestamp - record.IntegrationStartTimestamp);
        }
    }

    private void Observe(StripedCounters counters, int stripe, int histogram, long ticks)
    {
        counters.Increment(stripe, histogram + LatencyBuckets.Index(_bounds, ticks));
        counters.Add(stripe, histogram + LatencyBuckets.Count, ticks);
    }

    /// <summary>Requests by status class: 0 none (the client went away before a status), 1..5 for 1xx..5xx.</summary>
    public long Requests(int statusClass) => _counters.Read(StatusNone + statusClass);

    /// <summary>A counter slot's value (<see cref="CacheHits"/>, <see cref="Throttled"/>, ...).</summary>
    public long Read(int slot) => _counters.Read(slot);

    /// <summary>Requests that an authorizer answered with <paramref name="outcome"/>.</summary>
    public long Authorizations(AuthorizerOutcome outcome) => outcome == AuthorizerOutcome.None ? 0 : _counters.Read(AuthorizerAllowed + (int)outcome - 1);

    /// <summary>Fills <paramref name="cumulative"/> (length <see cref="LatencyBuckets.Count"/>) and returns the sum in seconds.</summary>
    public double Histogram(int histogram, Span<long> cumulative)
    {
        long running = 0;
        for (int i = 0; i < LatencyBuckets.Count; i++)
        {
            running += _counters.Read(histogram + i);
            cumulative[i] = running;
        }

        return (double)_counters.Read(histogram + LatencyBuckets.Count) / Frequency;
    }
}
