using System.Collections.Immutable;

namespace EdgeGw.Core.Model;

/// <summary>An upstream cluster: its destinations, balancing, pool limits, and the health and circuit breaker settings its runtime state follows.</summary>
public sealed class ClusterModel
{
    public required string Name { get; init; }
    /// <summary>Position in <see cref="GatewayModel.Clusters"/>.</summary>
    public required int Index { get; init; }
    public required LoadBalancingPolicy LoadBalancing { get; init; }
    public required ImmutableArray<DestinationModel> Destinations { get; init; }
    public required UpstreamPoolSettings Pool { get; init; }
    public Upstream.HealthSettings Health { get; init; } = Upstream.HealthSettings.Default;
    public Upstream.CircuitBreakerSettings? CircuitBreaker { get; init; }
}
