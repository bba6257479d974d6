using EdgeGw.Transport;
using EdgeGw.Core.Model;

namespace EdgeGw.Core.Upstream;

/// <summary>Runtime state of one cluster in one model: its destinations' states and the balancer's cursor.</summary>
public sealed class ClusterState
{
    private readonly DestinationState[] _destinations;
    private uint _next;

    private readonly TimeProvider _time;

    internal ClusterState(ClusterModel model, DestinationState[] destinations, TimeProvider time)
    {
        Model = model;
        _destinations = destinations;
        _time = time;
        Breaker = model.CircuitBreaker is { } breaker ? new CircuitBreaker(breaker, time.TimestampFrequency) : null;
    }

    public ClusterModel Model { get; }
    public ReadOnlySpan<DestinationState> Destinations => _destinations;
    /// <summary>Null unless the cluster configures one.</summary>
    public CircuitBreaker? Breaker { get; }
    public TimeProvider Time => _time;

    /// <summary>Feeds passive health and the circuit breaker with one request's outcome.</summary>
    public void Report(DestinationState destination, bool success) => Report(destination, success, probe: false);

    /// <summary>As <see cref="Report(DestinationState, bool)"/>, for a request the circuit breaker let in as its half-open probe or not.</summary>
    public void Report(DestinationState destination, bool success, bool probe)
    {
        long now = LoopClock.Now(_time);
        if (success)
        {
            destination.ReportSuccess();
        }
        else
        {
            destination.ReportFailure(Model.Health, now, _time.TimestampFrequency);
        }

        Breaker?.Record(success, now, probe);
    }

    /// <summary>
    /// Picks a healthy destination by the cluster's policy. When none is healthy every destination is a
    /// candidate again (Envoy's panic mode): guessing beats refusing everything. Lock-free and allocation-free.
    /// </summary>
    public DestinationState Pick()
    {
        var destinations = _destinations;
        if (destinations.Length == 1)
        {
            return destinations[0];
        }

        long now = LoopClock.Now(_time);
        for (int attempt = 0; attempt < destinations.Length; attempt++)
        {
            var candidate = PickAny(destinations);
            if (candidate.IsHealthy(now))
            {
                return candidate;
            }
        }

        for (int i = 0; i < destinations.Length; i++)
        {
            if (destinations[i].IsHealthy(now))
            {
                return destinations[i];
            }
        }

        return PickAny(destinations);
    }

    /// <summary>
    /// Picks a healthy destination that <paramref name="attempts"/> has not tried and records it there; null when
    /// none is left (or the record is full). The scan starts where round robin would and, for
    /// <see cref="LoadBalancingPolicy.PowerOfTwoChoices"/>, keeps the one with fewest requests in flight. It runs
    /// only after a failed connect, so it reads every destination rather than sampling two.
    /// </summary>
    public DestinationState? PickNext(ref DestinationAttempts attempts)
    {
        var destinations = _destinations;
        if (attempts.IsFull || attempts.Count >= destinations.Length)
        {
            return null;
        }

        long now = LoopClock.Now(_time);
        int start = (int)(Interlocked.Increment(ref _next) % (uint)destinations.Length);
        bool leastBusy = Model.LoadBalancing == LoadBalancingPolicy.PowerOfTwoChoices;
        DestinationState? best = null;
        for (int i = 0; i < destinations.Length; i++)
        {
            int index = start + i;
            var candidate = destinations[index >= destinations.Length ? index - destinations.Length : index];
            if (!candidate.IsHealthy(now) || attempts.Contains(candidate))
            {
                continue;
            }

            if (!leastBusy)
            {
                best = candidate;
                break;
            }

            if (best is null || candidate.InFlight < best.InFlight)
            {
                best = candidate;
            }
        }

        if (best is not null)
        {
            attempts.Add(best);
        }

        return best;
    }

    /// <summary>
    /// Leases a connection from a destination picked by <see cref="Pick"/>. A connect that fails or times out
    /// sent nothing, so it is retried on the next healthy destination not tried yet (<see cref="PickNext"/>), up
    /// to <see cref="ClusterModel.Retries"/> times, whatever the method. Each failed connect but the last counts
    /// against its destination's passive health here; the last, like any outcome, is the caller's to
    /// <see cref="Report"/>, so the circuit breaker sees one outcome per request. Allocation-free when the
    /// first destination has an idle connection.
    /// </summary>
    public ValueTask<UpstreamLease> LeaseAsync(bool forceNew)
    {
        var destination = Pick();
        var pending = destination.LeaseAsync(forceNew, CancellationToken.None);
        if (pending.IsCompletedSuccessfully)
        {
            var (connection, error) = pending.Result;
            if (connection is not null || Model.Retries == 0 || !error.IsConnectFailure())
            {
                return new(new UpstreamLease(destination, connection, error));
            }

            // The result is read: hand it on as a value, never the consumed task.
            pending = new((connection, error));
        }

        return LeaseWithRetriesAsync(destination, pending, forceNew);
    }

    // Reached only when a connect is needed (its socket and pipes allocate anyway) or failed.
    private async ValueTask<UpstreamLease> LeaseWithRetriesAsync(DestinationState destination, ValueTask<(UpstreamConnection?, LeaseError)> pending, bool forceNew)
    {
        var (connection, error) = await pending.ConfigureAwait(false);
        var attempts = new DestinationAttempts(destination);
        while (connection is null && error.IsConnectFailure() && attempts.Retries < Model.Retries && PickNext(ref attempts) is { } next)
        {
            destination.ReportFailure(Model.Health, LoopClock.Now(_time), _time.TimestampFrequency);
            destination = next;
            (connection, error) = await destination.LeaseAsync(forceNew, CancellationToken.None).ConfigureAwait(false);
        }

        return new UpstreamLease(destination, connection, error);
    }

    private DestinationState PickAny(DestinationState[] destinations)
    {
        if (Model.LoadBalancing == LoadBalancingPolicy.PowerOfTwoChoices)
        {
            // Two random choices, keep the one with fewer requests in flight (Mitzenmacher): near-optimal spread
            // without a global scan.
            int a = Random.Shared.Next(destinations.Length);
            int b = Random.Shared.Next(destinations.Length - 1);
            if (b >= a)
            {
                b++;
            }

            return destinations[a].InFlight <= destinations[b].InFlight ? destinations[a] : destinations[b];
        }

        uint index = Interlocked.Increment(ref _next);
        return destinations[(int)(index % (uint)destinations.Length)];
    }
}
