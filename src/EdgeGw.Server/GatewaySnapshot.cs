using System.Collections.Immutable;
using EdgeGw.Core.Model;
using EdgeGw.Core.Upstream;
using EdgeGw.Core.UsagePlans;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Server;

/// <summary>One compiled model with the runtime state bound to it. Immutable; replaced as a whole.</summary>
public sealed class GatewaySnapshot
{
    internal GatewaySnapshot(GatewayModel model, ImmutableArray<ClusterState> clusters, AccessSnapshot access, AccessLogging.AccessLogSink[] accessLogs, Core.Observability.RouteMetrics[] routeMetrics)
    {
        AccessLogs = accessLogs;
        RouteMetrics = routeMetrics;
        Model = model;
        Clusters = clusters;
        Access = access;
        var limits = model.Server.Limits;
        HeadLimits = new HeadLimits(limits.MaxRequestLineBytes, limits.MaxHeaderBytes, limits.MaxHeaderCount);
    }

    public GatewayModel Model { get; }
    /// <summary>Indexed like <see cref="GatewayModel.Clusters"/>.</summary>
    public ImmutableArray<ClusterState> Clusters { get; }
    public HeadLimits HeadLimits { get; }
    /// <summary>API keys, plans and buckets bound to this model.</summary>
    public AccessSnapshot Access { get; }
    /// <summary>The access log sinks of <see cref="GatewayModel.AccessLogDestinations"/> (empty: no request is logged, and none pays for a record's text).</summary>
    internal AccessLogging.AccessLogSink[] AccessLogs { get; }
    /// <summary>Each route's counters and histograms, indexed by <see cref="RouteModel.Ordinal"/> (kept across reloads by route key).</summary>
    public Core.Observability.RouteMetrics[] RouteMetrics { get; }
}
