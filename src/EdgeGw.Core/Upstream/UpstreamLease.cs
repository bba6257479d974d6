namespace EdgeGw.Core.Upstream;

/// <summary>
/// The outcome of leasing a connection from a cluster: the destination last tried, and either its connection
/// or why there is none (<see cref="LeaseError"/>).
/// </summary>
public readonly record struct UpstreamLease(DestinationState Destination, UpstreamConnection? Connection, LeaseError Error);
