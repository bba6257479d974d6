namespace EdgeGw.Core.Upstream;

/// <summary>A destination of a cluster changed health.</summary>
/// <param name="Seconds">For <see cref="HealthChange.Ejected"/>, the reactivation period; otherwise 0.</param>
public readonly record struct HealthTransition(string Cluster, string Destination, HealthChange Change, int Seconds);
