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
    public void Report(DestinationState destination, bool success)
    {
        long now = Infrastructure.LoopClock.Now(_time);
        if (success)
        {
            destination.ReportSuccess();
        }
        else
        {
            destination.ReportFailure(Model.Health, now, _time.TimestampFrequency);
        }

        Breaker?.Record(success, now);
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

        long now = Infrastructure.LoopClock.Now(_time);
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
