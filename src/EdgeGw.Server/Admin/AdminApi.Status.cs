using System.Text;
using EdgeGw.Core.Model;
using EdgeGw.Core.Upstream;
using EdgeGw.Core.WebSockets;
using EdgeGw.Transport;

namespace EdgeGw.Server.Admin;

/// <summary>
/// The status endpoints, as Envoy's admin and Kubernetes probes use them:
/// <list type="bullet">
/// <item><c>GET /health</c> — liveness: 200 <c>{"status":"ok"}</c> while the process serves.</item>
/// <item><c>GET /ready</c> — readiness: 200 when the model is loaded, every listener is bound and (with <c>redis</c>) Redis is connected; else 503 naming what is not.</item>
/// <item><c>GET /config</c> — the effective configuration of the current model, secrets redacted.</item>
/// <item><c>GET /routes</c> — every route of every stage, with its hosts and integration.</item>
/// <item><c>GET /clusters</c> — every cluster's destinations: health (and why, until when), in-flight requests, pooled connections.</item>
/// </list>
/// </summary>
internal sealed partial class AdminApi
{
    private Func<AdminResponse>? Status(string name) => name switch
    {
        "health" => Health,
        "ready" => Ready,
        "config" => Config,
        "routes" => Routes,
        "clusters" => Clusters,
        _ => null,
    };

    private static readonly AdminResponse HealthOk = AdminResponse.Json(200, new { status = "ok" });

    private AdminResponse Health() => HealthOk;

    private AdminResponse Ready()
    {
        var notReady = new List<string>();
        var model = runtime.Current?.Model;
        if (model is null)
        {
            notReady.Add("config: no model loaded");
        }

        var listeners = runtime.Listeners;
        if (listeners is null)
        {
            notReady.Add("listeners: not bound yet");
        }
        else if (!listeners.AllBound)
        {
            notReady.Add($"listeners: {listeners.Gateway.Count + listeners.Admin.Count} of {listeners.Configured} bound");
        }

        object redis = "not configured";
        if (model?.Redis is not null)
        {
            var limits = runtime.Access.Redis;
            bool connected = limits is { IsConnected: true };
            redis = connected ? "connected" : "unreachable";
            if (!connected)
            {
                notReady.Add($"redis: not connected ({(limits is null ? "no client" : $"{limits.Failures} failure(s); limits fail {(limits.FailOpen ? "open" : "closed")}")})");
            }
        }

        return AdminResponse.Json(notReady.Count == 0 ? 200 : 503, new
        {
            status = notReady.Count == 0 ? "ready" : "not ready",
            notReady,
            routes = model?.RouteCount ?? 0,
            listeners = listeners is null ? null : new { gateway = listeners.Gateway.Select(u => u.ToString()), admin = listeners.Admin.Select(u => u.ToString()) },
            redis,
        });
    }

    private AdminResponse Config() =>
        new(200, "application/json", Encoding.UTF8.GetBytes(runtime.Current.Model.EffectiveConfig));

    private AdminResponse Routes()
    {
        var routes = runtime.Current.Model.RouteList.Select(route => new
        {
            api = route.ApiName,
            stage = route.StageName,
            hosts = route.Hosts,
            routeKey = route.RouteKey,
            integration = Integration(route.Integration),
            cluster = route.Integration switch { HttpIntegrationModel http => http.Cluster.Name, Core.Lambda.LambdaIntegrationModel lambda => lambda.Cluster.Name, _ => null },
            // Deployments/: the deployment the route comes from (null: the file), and whether it is the stage's canary's.
            deployment = route.DeploymentId > 0 ? route.DeploymentId : (int?)null,
            canary = route.IsCanary,
        });
        return AdminResponse.Json(200, routes);
    }

    private static string Integration(IntegrationModel integration) => integration switch
    {
        HttpIntegrationModel => "http",
        MockIntegrationModel => "mock",
        Core.Lambda.LambdaIntegrationModel => "lambda",
        WebSocketApiModel => "websocket",
        _ => integration.GetType().Name,
    };

    private AdminResponse Clusters()
    {
        var time = runtime.Time;
        long now = LoopClock.Now(time);
        var utcNow = time.GetUtcNow();
        var clusters = new List<object>();
        foreach (var cluster in runtime.Current.Clusters)
        {
            var destinations = new List<object>();
            foreach (var destination in cluster.Destinations)
            {
                destinations.Add(Destination(destination, cluster.Model, now, utcNow, time.TimestampFrequency));
            }

            clusters.Add(new
            {
                name = cluster.Model.Name,
                loadBalancing = System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(cluster.Model.LoadBalancing.ToString()),
                circuitBreaker = cluster.Breaker is null ? null : cluster.Breaker.IsOpen ? "open" : "closed",
                destinations,
            });
        }

        return AdminResponse.Json(200, clusters);
    }

    private static object Destination(DestinationState destination, ClusterModel cluster, long now, DateTimeOffset utcNow, long frequency)
    {
        long until = destination.EjectedUntil;
        bool ejected = now < until;
        string? reason = destination.ActivelyDown
            ? "active health check failing"
            : ejected ? $"passive health: {cluster.Health.ConsecutiveFailures} consecutive failures" : null;
        return new
        {
            authority = destination.Model.Authority,
            healthy = destination.IsHealthy(now),
            unhealthyReason = reason,
            ejectedUntil = ejected ? utcNow + TimeSpan.FromSeconds((until - now) / (double)frequency) : (DateTimeOffset?)null,
            ejections = destination.Ejections,
            inFlight = destination.InFlight,
            idleConnections = destination.IdleConnections,
            leasedConnections = destination.LeasedConnections,
            openConnections = destination.OpenConnections,
            tls = destination.Model.UseTls,
            connectErrors = destination.ConnectErrors,
            tlsHandshakeErrors = destination.TlsHandshakeErrors,
            lastTlsError = destination.LastTlsError,
        };
    }
}
