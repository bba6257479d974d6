namespace EdgeGw.Core.Upstream;

/// <summary>
/// Names one destination of one cluster. Destination state is kept per cluster: two clusters that list the same
/// <c>host:port</c> have their own pools, limits, timeouts and health, and a reload keeps a cluster's state as long
/// as the cluster (by name) still lists the destination.
/// </summary>
internal readonly record struct DestinationKey(string Cluster, string Authority);
