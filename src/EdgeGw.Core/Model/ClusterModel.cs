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
    public HealthSettings Health { get; init; } = HealthSettings.Default;
    public CircuitBreakerSettings? CircuitBreaker { get; init; }
    /// <summary>
    /// How many other destinations a request may try after a connect to one failed or timed out (nothing was sent
    /// yet, so any method may go elsewhere); 0 answers the first failure.
    /// </summary>
    public int Retries { get; init; }
    /// <summary>How <c>https://</c> destinations are verified (system store unless <c>tls</c> says otherwise); null when none is https.</summary>
    public UpstreamTlsSettings? Tls { get; init; }

    /// <summary>The <c>retries</c> a cluster gets when its config does not say (as nginx's proxy_next_upstream_tries, bounded).</summary>
    public const int DefaultRetries = 2;

    /// <summary>The largest <see cref="Retries"/> a config may set.</summary>
    public const int MaxRetries = 10;
}
