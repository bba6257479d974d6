using EdgeGw.Core.Model;
using EdgeGw.Core.Observability;

namespace EdgeGw.Server.Metrics;

/// <summary>
/// The per-route metrics of the current snapshot, bound by (API, stage, route key, canary): a reload hands an unchanged
/// route the same <see cref="RouteMetrics"/> (its series continue), a new route new ones, and a removed route's
/// series disappear from the next scrape. The label values come from the config, never from requests, so the
/// number of series is bounded by the routes configured.
/// </summary>
public sealed class RouteMetricsRegistry(long frequency)
{
    private readonly object _lock = new();
    private Dictionary<(string, string, string, bool), RouteMetrics> _byKey = [];

    /// <summary>Requests no route matched (and requests refused before routing): labels api, stage and route empty.</summary>
    public RouteMetrics Unrouted { get; } = new("", "", "", frequency);

    /// <summary>The metrics of <paramref name="model"/>'s routes, indexed by <see cref="RouteModel.Ordinal"/>.</summary>
    internal RouteMetrics[] Bind(GatewayModel model)
    {
        lock (_lock)
        {
            var routes = model.RouteList;
            int count = 0;
            foreach (var route in routes)
            {
                count = Math.Max(count, route.Ordinal + 1);
            }

            var bound = new RouteMetrics[count];
            var next = new Dictionary<(string, string, string, bool), RouteMetrics>(routes.Length);
            foreach (var route in routes)
            {
                var key = (route.ApiName, route.StageName, route.RouteKey, route.IsCanary);
                if (!next.TryGetValue(key, out var metrics) && !_byKey.TryGetValue(key, out metrics))
                {
                    metrics = new RouteMetrics(route.ApiName, route.StageName, route.RouteKey, frequency, route.IsCanary);
                }

                next[key] = metrics;
                bound[route.Ordinal] = metrics;
            }

            _byKey = next;
            return bound;
        }
    }
}
