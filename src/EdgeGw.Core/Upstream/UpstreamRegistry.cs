using System.Collections.Concurrent;
using System.Collections.Immutable;
using EdgeGw.Core.Model;
using EdgeGw.Transport;

namespace EdgeGw.Core.Upstream;

/// <summary>
/// Owns destination states across config reloads, keyed by cluster and authority (<see cref="DestinationKey"/>):
/// each cluster has its own pool, settings and health for each destination it lists, and a reload that keeps a
/// cluster's destination keeps its pooled connections and health.
/// </summary>
public sealed class UpstreamRegistry : IDisposable
{
    private readonly ConcurrentDictionary<DestinationKey, DestinationState> _destinations = new();
    private readonly Dictionary<DestinationKey, ActiveHealthChecker> _checkers = new();
    private readonly TimeProvider _time;
    private readonly ITimer _evictionTimer;
    private readonly TransportKind _transport;
    /// <summary>The clusters of the newest model, for <see cref="Find(string)"/>.</summary>
    private volatile ClusterState[] _bound = [];

    /// <param name="transport">How upstream connections are made; <see cref="TransportKind.Epoll"/> needs Linux.</param>
    public UpstreamRegistry(TimeProvider time, TransportKind transport = TransportKind.Sockets)
    {
        _time = time;
        _transport = transport;
        _evictionTimer = time.CreateTimer(static s => ((UpstreamRegistry)s!).EvictIdle(), this, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(5));
    }

    /// <summary>A destination was ejected, failed its probes or recovered (the host logs it). Raised on the thread that saw it.</summary>
    public event Action<HealthTransition>? HealthChanged;

    /// <summary>Builds the cluster states for <paramref name="model"/>, indexed like <see cref="GatewayModel.Clusters"/>.</summary>
    public ImmutableArray<ClusterState> Bind(GatewayModel model)
    {
        var clusters = ImmutableArray.CreateBuilder<ClusterState>(model.Clusters.Length);
        var live = new HashSet<DestinationKey>();
        foreach (var cluster in model.Clusters)
        {
            var states = new DestinationState[cluster.Destinations.Length];
            for (int i = 0; i < states.Length; i++)
            {
                var destination = cluster.Destinations[i];
                var key = new DestinationKey(cluster.Name, destination.Authority);
                var state = _destinations.GetOrAdd(key, Create, (destination, cluster.Pool));
                if (state.Model.UseTls != destination.UseTls && _destinations.TryUpdate(key, Create(key, (destination, cluster.Pool)), state))
                {
                    // http:// became https:// or back: connections made the other way must not be reused.
                    state.Retire();
                    state = _destinations[key];
                }

                // The cluster's own settings: a changed limit or timeout applies to its pooled connections too.
                state.Settings = cluster.Pool;
                state.Tls = cluster.Tls;
                live.Add(key);
                states[i] = state;
            }

            clusters.Add(new ClusterState(cluster, states, _time));
        }

        BindHealthCheckers(model);

        foreach (var pair in _destinations)
        {
            if (!live.Contains(pair.Key) && _destinations.TryRemove(pair))
            {
                // Requests holding a lease finish normally; a retired destination closes connections on return.
                pair.Value.Retire();
            }
        }

        var bound = clusters.MoveToImmutable();
        _bound = System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsArray(bound)!;
        return bound;
    }

    private DestinationState Create(DestinationKey key, (DestinationModel Destination, UpstreamPoolSettings Pool) arg)
    {
        var created = new DestinationState(arg.Destination, arg.Pool, _time, _transport);
        created.HealthChanged = (change, seconds) => HealthChanged?.Invoke(new HealthTransition(key.Cluster, key.Authority, change, seconds));
        return created;
    }

    /// <summary>One active checker per destination of each cluster that configures probes, with that cluster's settings.</summary>
    private void BindHealthCheckers(GatewayModel model)
    {
        lock (_checkers)
        {
            var wanted = new Dictionary<DestinationKey, ActiveHealthSettings>();
            foreach (var cluster in model.Clusters)
            {
                if (cluster.Health.Active is { } active)
                {
                    foreach (var destination in cluster.Destinations)
                    {
                        wanted.TryAdd(new DestinationKey(cluster.Name, destination.Authority), active);
                    }
                }
            }

            foreach (var (key, checker) in _checkers.ToList())
            {
                if (!wanted.TryGetValue(key, out var settings) || settings != checker.Settings
                    || !_destinations.TryGetValue(key, out var current) || !ReferenceEquals(current, checker.Destination))
                {
                    checker.Dispose();
                    _checkers.Remove(key);
                    if (_destinations.TryGetValue(key, out var state))
                    {
                        state.ActivelyDown = false;
                    }
                }
            }

            foreach (var (key, settings) in wanted)
            {
                if (!_checkers.ContainsKey(key) && _destinations.TryGetValue(key, out var state))
                {
                    _checkers[key] = new ActiveHealthChecker(state, settings, _time);
                }
            }
        }
    }

    /// <summary>The state of <paramref name="authority"/> in the first cluster of the current model that lists it.</summary>
    public DestinationState? Find(string authority)
    {
        foreach (var cluster in _bound)
        {
            foreach (var destination in cluster.Destinations)
            {
                if (destination.Model.Authority == authority)
                {
                    return destination;
                }
            }
        }

        return null;
    }

    /// <summary>The state of <paramref name="authority"/> in cluster <paramref name="cluster"/>.</summary>
    public DestinationState? Find(string cluster, string authority) =>
        _destinations.TryGetValue(new DestinationKey(cluster, authority), out var state) ? state : null;

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
        lock (_checkers)
        {
            foreach (var checker in _checkers.Values)
            {
                checker.Dispose();
            }

            _checkers.Clear();
        }

        foreach (var pair in _destinations)
        {
            pair.Value.CloseIdle();
        }
    }
}
