namespace EdgeGw.Core.Upstream;

/// <summary>How a destination's health changed (the host logs each one: <see cref="UpstreamRegistry.HealthChanged"/>).</summary>
public enum HealthChange : byte
{
    /// <summary>Passive health: the consecutive-failure threshold was reached; out of balancing for <see cref="HealthTransition.Seconds"/>.</summary>
    Ejected,

    /// <summary>Active health: the unhealthy threshold of failed probes was reached.</summary>
    ProbesFailing,

    /// <summary>Active health: the healthy threshold of good probes was reached; back in balancing.</summary>
    Recovered,
}

/// <summary>A destination of a cluster changed health.</summary>
/// <param name="Seconds">For <see cref="HealthChange.Ejected"/>, the reactivation period; otherwise 0.</param>
public readonly record struct HealthTransition(string Cluster, string Destination, HealthChange Change, int Seconds);
