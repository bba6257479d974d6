using EdgeGw.Core.Observability;
using EdgeGw.Transport;

namespace EdgeGw.Server.Metrics;

/// <summary>The per-route and per-destination families of <c>/metrics</c> (scrape side: strings are fine here).</summary>
internal static class MetricsExposition
{
    private static readonly string[] StatusClasses = ["none", "1xx", "2xx", "3xx", "4xx", "5xx"];

    /// <summary>Every route of the current snapshot, then the unrouted requests (empty api, stage and route).</summary>
    public static void Routes(MetricsText text, GatewayRuntime runtime)
    {
        var routes = new List<RouteMetrics>(runtime.Current.RouteMetrics.Length + 1);
        foreach (var metrics in runtime.Current.RouteMetrics)
        {
            if (metrics is not null)
            {
                routes.Add(metrics);
            }
        }

        routes.Add(runtime.RouteMetrics.Unrouted);

        text.Family("edgegw_requests_total", "counter", "Requests by API, stage, route key and status class (none: the client went away before a status was sent).");
        foreach (var route in routes)
        {
            for (int i = 0; i < StatusClasses.Length; i++)
            {
                Labels(text.Sample("edgegw_requests_total"), route).Label("status_class", StatusClasses[i]).Value(route.Requests(i));
            }
        }

        Counter(text, routes, "edgegw_route_cache_hits_total", "Responses of the route served from the cache (CloudWatch CacheHitCount).", RouteMetrics.CacheHits);
        Counter(text, routes, "edgegw_route_cache_misses_total", "Cache lookups of the route that went to the integration (CloudWatch CacheMissCount).", RouteMetrics.CacheMisses);
        Counter(text, routes, "edgegw_route_throttled_total", "Requests of the route refused with 429 Too Many Requests by a throttle.", RouteMetrics.Throttled);
        Counter(text, routes, "edgegw_route_quota_exceeded_total", "Requests of the route refused with 429 Limit Exceeded by a usage plan quota.", RouteMetrics.QuotaExceeded);
        Counter(text, routes, "edgegw_route_api_key_forbidden_total", "Requests of the route refused with 403 for their API key (missing, unknown, disabled or not in a plan of the stage).", RouteMetrics.Forbidden);

        text.Family("edgegw_route_authorizer_decisions_total", "counter", "Authorizer decisions of the route, by outcome (allowed, denied, error).");
        foreach (var route in routes)
        {
            Labels(text.Sample("edgegw_route_authorizer_decisions_total"), route).Label("outcome", "allowed").Value(route.Authorizations(AuthorizerOutcome.Allowed));
            Labels(text.Sample("edgegw_route_authorizer_decisions_total"), route).Label("outcome", "denied").Value(route.Authorizations(AuthorizerOutcome.Denied));
            Labels(text.Sample("edgegw_route_authorizer_decisions_total"), route).Label("outcome", "error").Value(route.Authorizations(AuthorizerOutcome.Error));
        }

        Span<long> buckets = stackalloc long[LatencyBuckets.Count];
        Histogram(text, routes, "edgegw_request_duration_seconds", "Time from the complete request head to the response written (CloudWatch Latency).", RouteMetrics.RequestHistogram, buckets);
        Histogram(text, routes, "edgegw_integration_duration_seconds", "Time from the integration's start (upstream lease) to its response head received whole (CloudWatch IntegrationLatency).", RouteMetrics.IntegrationHistogram, buckets);
        Histogram(text, routes, "edgegw_authorizer_duration_seconds", "Time the route's authorizer took (cached decisions count as 0).", RouteMetrics.AuthorizerHistogram, buckets);
    }

    /// <summary>Connect errors, timeouts and health of every destination of the current config.</summary>
    public static void Destinations(MetricsText text, GatewayRuntime runtime)
    {
        var clusters = runtime.Current.Clusters;
        text.Family("edgegw_upstream_destination_connect_errors_total", "counter", "Upstream connects that failed or timed out (TLS handshakes included), by cluster and destination.");
        foreach (var cluster in clusters)
        {
            foreach (var destination in cluster.Destinations)
            {
                text.Sample("edgegw_upstream_destination_connect_errors_total").Label("cluster", cluster.Model.Name).Label("destination", destination.Model.Authority).Value(destination.ConnectErrors);
            }
        }

        text.Family("edgegw_upstream_destination_connect_timeouts_total", "counter", "Upstream connects that ran out of the cluster's connect timeout, by cluster and destination.");
        foreach (var cluster in clusters)
        {
            foreach (var destination in cluster.Destinations)
            {
                text.Sample("edgegw_upstream_destination_connect_timeouts_total").Label("cluster", cluster.Model.Name).Label("destination", destination.Model.Authority).Value(destination.ConnectTimeouts);
            }
        }

        long now = LoopClock.Now(runtime.Time);
        text.Family("edgegw_upstream_destination_healthy", "gauge", "1 while the destination takes requests (not ejected by passive checks nor down by active ones), else 0.");
        foreach (var cluster in clusters)
        {
            foreach (var destination in cluster.Destinations)
            {
                text.Sample("edgegw_upstream_destination_healthy").Label("cluster", cluster.Model.Name).Label("destination", destination.Model.Authority).Value(destination.IsHealthy(now) ? 1 : 0);
            }
        }
    }

    /// <summary>The span exporter's counters (zero until a config traces).</summary>
    public static void Tracing(MetricsText text, GatewayRuntime runtime)
    {
        var exporter = runtime.Tracing;
        text.Metric("edgegw_trace_spans_exported_total", "counter", "Spans the OTLP endpoint accepted.", exporter.ExportedTotal);
        text.Family("edgegw_trace_spans_dropped_total", "counter", "Spans dropped: the export queue was full (tracing.maxQueueSpans), or the endpoint refused a batch or still failed after tracing.maxRetries.");
        text.Sample("edgegw_trace_spans_dropped_total").Label("reason", "queue_full").Value(exporter.DroppedQueueFullTotal);
        text.Sample("edgegw_trace_spans_dropped_total").Label("reason", "export_failed").Value(exporter.DroppedExportFailedTotal);
        text.Metric("edgegw_trace_export_retries_total", "counter", "Export requests retried after 429, 502, 503, 504 or no connection.", exporter.RetriesTotal);
        text.Metric("edgegw_trace_spans_queued", "gauge", "Spans waiting for export.", exporter.Queued);
    }

    /// <summary>A canary route's series have <c>canary="true"</c> besides (the stage's deployment's have no canary label).</summary>
    private static MetricsText Labels(MetricsText sample, RouteMetrics route)
    {
        sample.Label("api", route.Api).Label("stage", route.Stage).Label("route", route.RouteKey);
        return route.Canary ? sample.Label("canary", "true") : sample;
    }

    private static void Counter(MetricsText text, List<RouteMetrics> routes, string name, string help, int slot)
    {
        text.Family(name, "counter", help);
        foreach (var route in routes)
        {
            Labels(text.Sample(name), route).Value(route.Read(slot));
        }
    }

    private static void Histogram(MetricsText text, List<RouteMetrics> routes, string name, string help, int histogram, Span<long> buckets)
    {
        text.Family(name, "histogram", help, "seconds");
        foreach (var route in routes)
        {
            double sum = route.Histogram(histogram, buckets);
            for (int i = 0; i < buckets.Length; i++)
            {
                Labels(text.Sample(name + "_bucket"), route).Label("le", LatencyBuckets.Labels[i]).Value(buckets[i]);
            }

            Labels(text.Sample(name + "_sum"), route).Value(sum);
            Labels(text.Sample(name + "_count"), route).Value(buckets[^1]);
        }
    }
}
