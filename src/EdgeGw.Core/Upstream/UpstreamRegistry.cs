using System.Collections.Concurrent;
using System.Collections.Immutable;
using EdgeGw.Core.Configuration;
using EdgeGw.Core.Model;
using EdgeGw.Core.Transport;

namespace EdgeGw.Core.Upstream;

/// <summary>
/// Owns destination states across config reloads, keyed by authority, so pooled connections survive a reload
/// that keeps a destination.
/// </summary>
public sealed class UpstreamRegistry : IDisposable
{
    private readonly ConcurrentDictionary<string, DestinationState> _destinations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ActiveHealthChecker> _checkers = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly ITimer _evictionTimer;
    private readonly TransportKind _transport;

    /// <param name="transport">How upstream connections are made; <see cref="TransportKind.Epoll"/> needs Linux.</param>
    public UpstreamRegistry(TimeProvider time, TransportKind transport = TransportKind.Sockets)
    {
        _time = time;
        _transport = transport;
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
                var state = _destinations.GetOrAdd(destination.Authority, static (_, arg) => new DestinationState(arg.destination, arg.pool, arg.time, arg.transport), (destination, pool: cluster.Pool, time: _time, transport: _transport));
                state.Settings = cluster.Pool;
                live.Add(destination.Authority);
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

        return clusters.MoveToImmutable();
    }

    /// <summary>One active checker per destination that some cluster probes (the first cluster's settings win).</summary>
    private void BindHealthCheckers(GatewayModel model)
    {
        lock (_checkers)
        {
            var wanted = new Dictionary<string, ActiveHealthConfig>(StringComparer.Ordinal);
            foreach (var cluster in model.Clusters)
            {
                if (cluster.Health.Active is { } active)
                {
                    foreach (var destination in cluster.Destinations)
                    {
                        wanted.TryAdd(destination.Authority, active);
                    }
                }
            }

            foreach (var (authority, checker) in _checkers.ToList())
            {
                if (!wanted.TryGetValue(authority, out var settings) || settings != checker.Settings)
                {
                    checker.Dispose();
                    _checkers.Remove(authority);
                    if (_destinations.TryGetValue(authority, out var state))
                    {
                        state.ActivelyDown = false;
                    }
                }
            }

            foreach (var (authority, settings) in wanted)
            {
                if (!_checkers.ContainsKey(authority) && _destinations.TryGetValue(authority, out var state))
                {
                    _checkers[authority] = new ActiveHealthChecker(state, settings, _time);
                }
            }
        }
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
