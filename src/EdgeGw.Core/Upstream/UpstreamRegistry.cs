using System.Collections.Concurrent;
using System.Collections.Immutable;
using EdgeGw.Core.Model;

namespace EdgeGw.Core.Upstream;

/// <summary>Runtime state of one cluster in one model: its destinations' states and the balancer's cursor.</summary>
public sealed class ClusterState
{
    private readonly DestinationState[] _destinations;
    private uint _next;

    internal ClusterState(ClusterModel model, DestinationState[] destinations)
    {
        Model = model;
        _destinations = destinations;
    }

    public ClusterModel Model { get; }
    public ReadOnlySpan<DestinationState> Destinations => _destinations;

    /// <summary>Picks a destination by the cluster's policy. Lock-free and allocation-free.</summary>
    public DestinationState Pick()
    {
        var destinations = _destinations;
        if (destinations.Length == 1)
        {
            return destinations[0];
        }

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

/// <summary>
/// Owns destination states across config reloads, keyed by authority, so pooled connections survive a reload
/// that keeps a destination.
/// </summary>
public sealed class UpstreamRegistry : IDisposable
{
    private readonly ConcurrentDictionary<string, DestinationState> _destinations = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ITimer _evictionTimer;

    public UpstreamRegistry(TimeProvider time)
    {
        _time = time;
        _evictionTimer = time.CreateTimer(static s => ((UpstreamRegistry)s!).EvictIdle(), this, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
    }

    /// <summary>Builds the cluster states for <paramref name="model"/>, indexed like <see cref="GatewayModel.Clusters"/>.</summary>
    public ImmutableArray<ClusterState> Bind(GatewayModel model)
    {
        var clusters = ImmutableArray.CreateBuilder<ClusterState>(model.Clusters.Length);
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var cluster in model.Clusters)
        {
            var states = new DestinationState[cluster.Destinations.Length];
            for (int i = 0; i < states.Length; i++)
            {
                var destination = cluster.Destinations[i];
                var state = _destinations.GetOrAdd(destination.Authority, static (_, arg) => new DestinationState(arg.destination, arg.pool, arg.time), (destination, pool: cluster.Pool, time: _time));
                state.Settings = cluster.Pool;
                live.Add(destination.Authority);
                states[i] = state;
            }

            clusters.Add(new ClusterState(cluster, states));
        }

        foreach (var pair in _destinations)
        {
            if (!live.Contains(pair.Key) && _destinations.TryRemove(pair))
            {
                // Requests holding a lease finish normally; a retired destination closes connections on return.
                pair.Value.Retire();
            }
        }

        return clusters.MoveToImmutable();
    }

    public DestinationState? Find(string authority) => _destinations.TryGetValue(authority, out var state) ? state : null;

    private void EvictIdle()
    {
        foreach (var pair in _destinations)
        {
            pair.Value.EvictIdle();
        }
    }

    public void Dispose()
    {
        _evictionTimer.Dispose();
        foreach (var pair in _destinations)
        {
            pair.Value.CloseIdle();
        }
    }
}
