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
