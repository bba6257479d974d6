using EdgeGw.Core.Upstream;
using EdgeGw.Server.Logging;
using EdgeGw.Transport;

namespace EdgeGw.Server.Forwarding;

/// <summary>
/// The start of a gateway-made call on a cluster (a WebSocket event, a Lambda invoke): the circuit breaker's
/// admission, then a pooled connection. When no connection comes, the failure is already reported (to the
/// destination's health unless the cause was local, to the breaker's probe, to the upstream error log) and
/// <see cref="Status"/> is the answer to give. With a connection, the caller reports the call's outcome with
/// <see cref="Probe"/>.
/// </summary>
internal readonly record struct ClusterCall(DestinationState? Destination, UpstreamConnection? Connection, bool Probe, int Status, LeaseError Error)
{
    public static async ValueTask<ClusterCall> BeginAsync(ClusterState cluster, UpstreamErrorLog errors)
    {
        bool probe = false;
        if (cluster.Breaker is { } breaker && !breaker.TryEnter(LoopClock.Now(cluster.Time), out probe))
        {
            return new ClusterCall(null, null, false, 503, default);
        }

        // A refused or timed-out connect goes to another destination inside (cluster.Model.Retries).
        var (destination, connection, leaseError) = await cluster.LeaseAsync(forceNew: false).ConfigureAwait(false);
        if (connection is not null)
        {
            return new ClusterCall(destination, connection, probe, 0, default);
        }

        if (leaseError.IsLocal())
        {
            cluster.Breaker?.ReleaseProbe(probe);
        }
        else
        {
            cluster.Report(destination, success: false, probe);
        }

        int status = leaseError.ToStatusCode();
        errors.LeaseFailed(cluster.Model, destination, leaseError, status);
        return new ClusterCall(destination, null, probe, status, leaseError);
    }
}
