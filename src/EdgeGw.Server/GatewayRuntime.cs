using System.Collections.Immutable;
using EdgeGw.Core.Caching;
using EdgeGw.Core.Model;
using EdgeGw.Core.Upstream;
using EdgeGw.Core.UsagePlans;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Infrastructure;
using EdgeGw.Server.Logging;
using EdgeGw.Server.Tls;
using EdgeGw.Server.WebSockets;
using EdgeGw.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EdgeGw.Server;

/// <summary>
/// The process-wide gateway state: the current snapshot (swapped with one volatile write on reload, so a
/// request in flight keeps the snapshot it started with), the upstream registry, clock and Date header.
/// </summary>
public sealed class GatewayRuntime : IDisposable
{
    private readonly object _swapLock = new();
    private volatile GatewaySnapshot _current;
    private long _activeConnections;
    private long _sendsWaiting;
    private long _requests;
    private volatile ListenerState? _listeners;
    private readonly ILogger _upstreamLogger;

    public GatewayRuntime(GatewayModel model, TimeProvider time, TransportKind transport = TransportKind.Sockets, ILoggerFactory? logs = null)
    {
        Time = time;
        logs ??= NullLoggerFactory.Instance;
        Transport = transport;
        Upstreams = new UpstreamRegistry(time, transport);
        var upstreamLogger = logs.CreateLogger("EdgeGw.Upstream");
        Upstreams.HealthChanged += transition => GatewayLog.Health(upstreamLogger, transition);
        UpstreamErrors = new UpstreamErrorLog(upstreamLogger, time);
        _upstreamLogger = upstreamLogger;
        WarnInsecureTls(model);
        Date = new DateHeader(time);
        Cache = new ResponseCache(model.Cache, time);
        var redisLogger = logs.CreateLogger("EdgeGw.Redis");
        Access = new AccessControl(model, time, line => GatewayLog.RedisState(redisLogger, line));
        var stateLogger = logs.CreateLogger("EdgeGw.State");
        State = new AccessStateFile(Access, model.State.Path, model.State.FlushInterval, line => GatewayLog.StateFile(stateLogger, line));
        RouteMetrics = new Metrics.RouteMetricsRegistry(time.TimestampFrequency);
        Tracing = new Tracing.SpanExporter(logs.CreateLogger("EdgeGw.Tracing"), time);
        Tracing.Bind(model.Tracing);
        _current = new GatewaySnapshot(model, Upstreams.Bind(model), Access.Current, AccessLogs.Bind(model), RouteMetrics.Bind(model));
        AuthorizerKeys = Core.Authorizers.JwksSources.Prefetch(model);
        Access.Rebound += OnAccessRebound;
        if (Access.Redis is { } redis)
        {
            Cluster = new Core.Cluster.ClusterNode(redis,
                () => _listeners?.Gateway.Select(u => u.ToString()).ToArray() ?? [],
                () => _listeners?.Admin.Select(u => u.ToString()).ToArray() ?? []);
            Cluster.Message += OnClusterMessage;
            Cluster.Start();
            SharedKeys = new Core.Cluster.SharedApiKeys(redis, Access, Cluster);
            SharedKeys.Start();
        }

        WebSockets = new WebSocketRegistry(time, Cluster is null ? null : ConnectionIds.TagOf(Cluster.Id));
        if (Access.Redis is { } shared && Cluster is { } node)
        {
            ConnectionRelay = new ConnectionRelay(shared, node, WebSockets);
        }

        Tls = new TlsState(model.Server.Tls, time, logs.CreateLogger("EdgeGw.Tls"));
    }

    public GatewaySnapshot Current => _current;

    /// <summary>
    /// The JWT authorizers' key fetches started when the current model became current (those whose issuer had no keys
    /// yet); completes when each has its keys or failed. Serving never waits on it; tests do, instead of a delay.
    /// </summary>
    public Task AuthorizerKeys { get; private set; }

    /// <summary>Global mode: this instance's membership and the messages between instances; null otherwise.</summary>
    public Core.Cluster.ClusterNode? Cluster { get; }

    /// <summary>Global mode: API keys kept in Redis and reloaded on every instance when one changes them.</summary>
    public Core.Cluster.SharedApiKeys? SharedKeys { get; }

    /// <summary>Global mode: @connections calls for connections other instances hold, and theirs for ours.</summary>
    internal ConnectionRelay? ConnectionRelay { get; }

    /// <summary>test-invoke's execution log; null when serving.</summary>
    public Diagnostics.ExecutionLog? ExecutionLog { get; init; }
    public TimeProvider Time { get; }
    /// <summary>Upstream failures on the request path, rate-limited.</summary>
    internal UpstreamErrorLog UpstreamErrors { get; }
    /// <summary>The transport both sides run on: listeners and upstream connections.</summary>
    public TransportKind Transport { get; }
    public UpstreamRegistry Upstreams { get; }
    public DateHeader Date { get; }
    /// <summary>The response cache store; it outlives reloads (keys name their API, stage and route).</summary>
    public ResponseCache Cache { get; }
    /// <summary>API keys, usage plans, quotas and token buckets; state outlives reloads.</summary>
    public AccessControl Access { get; }
    /// <summary>Quota usage and admin-created keys on disk.</summary>
    public AccessStateFile State { get; }
    /// <summary>PROXY protocol headers read and refused on the listeners that expect them, for metrics.</summary>
    public ProxyProtocol.ProxyProtocolCounters ProxyProtocol { get; } = new();
    /// <summary>Open connections of WebSocket APIs, for @connections and metrics.</summary>
    public WebSocketRegistry WebSockets { get; }
    /// <summary>Access log destinations (kept across reloads), with the written and dropped counters.</summary>
    public AccessLogging.AccessLogRegistry AccessLogs { get; } = new();
    /// <summary>Per-route counters and latency histograms, bound to each snapshot by route key.</summary>
    public Metrics.RouteMetricsRegistry RouteMetrics { get; }
    /// <summary>Sampled requests' spans, exported over OTLP/HTTP in the background (started by the first config that traces).</summary>
    public Tracing.SpanExporter Tracing { get; }
    /// <summary>The https listeners' certificates (hot-reloaded), handshake counters and failure log.</summary>
    public TlsState Tls { get; }
    /// <summary>The addresses bound at start (null until every listener is bound), for the admin API's <c>/ready</c>.</summary>
    public ListenerState? Listeners => _listeners;
    public long ActiveConnections => Interlocked.Read(ref _activeConnections);
    /// <summary>Client connections whose flush is waiting for the client to read (the send timeout runs for them).</summary>
    public long SendsWaiting => Interlocked.Read(ref _sendsWaiting);
    public long RequestsServed => Interlocked.Read(ref _requests);

    /// <summary>Makes <paramref name="model"/> current. Requests already routed finish on the old snapshot.</summary>
    public void Swap(GatewayModel model)
    {
        lock (_swapLock)
        {
            Cache.Resize(model.Cache);
            Access.Bind(model);
            WarnInsecureTls(model);
            Tls.Bind(model.Server.Tls);
            Tracing.Bind(model.Tracing);
            _current = new GatewaySnapshot(model, Upstreams.Bind(model), Access.Current, AccessLogs.Bind(model), RouteMetrics.Bind(model));
            AuthorizerKeys = Core.Authorizers.JwksSources.Prefetch(model);
        }
    }

    /// <summary>Each load of a config that turns verification off says so, loudly.</summary>
    private void WarnInsecureTls(GatewayModel model)
    {
        foreach (var cluster in model.Clusters)
        {
            if (cluster.Tls is { InsecureSkipVerify: true })
            {
                GatewayLog.InsecureUpstreamTls(_upstreamLogger, cluster.Name);
            }
        }
    }

    /// <summary>A key was created, disabled or deleted: same model, new key index.</summary>
    private void OnAccessRebound()
    {
        lock (_swapLock)
        {
            var current = _current;
            var access = Access.Current;
            if (ReferenceEquals(access.Model, current.Model))
            {
                _current = new GatewaySnapshot(current.Model, current.Clusters, access, current.AccessLogs, current.RouteMetrics);
            }
        }
    }

    /// <summary>The host bound its listeners: <paramref name="configured"/> were asked for (gateway and admin together).</summary>
    internal void OnListening(IReadOnlyList<Uri> gateway, IReadOnlyList<Uri> admin, int configured)
    {
        _listeners = new ListenerState(gateway, admin, configured);
        _ = Cluster?.HeartbeatAsync(); // listed with its addresses now rather than at the next beat
    }

    /// <summary>Cluster messages: what another instance's admin API or a client's refresh changed, done here too.</summary>
    private void OnClusterMessage(string kind, byte[] payload)
    {
        switch (kind)
        {
            case ClusterMessages.CacheClear:
                Cache.Clear();
                break;
            case ClusterMessages.CacheStage when ClusterMessages.TryReadStageFlush(payload, out var prefix, out var path, out bool matchPath):
                Cache.RemoveWhere(prefix, path, matchPath);
                break;
            case ClusterMessages.CacheEntry:
                Cache.Remove(payload);
                break;
        }
    }

    /// <summary>Returns the number of open connections including this one.</summary>
    internal long OnConnectionOpened() => Interlocked.Increment(ref _activeConnections);
    internal void OnConnectionClosed() => Interlocked.Decrement(ref _activeConnections);
    internal void OnSendWaitStarted() => Interlocked.Increment(ref _sendsWaiting);
    internal void OnSendWaitEnded() => Interlocked.Decrement(ref _sendsWaiting);
    internal void OnRequest() => Interlocked.Increment(ref _requests);

    public void Dispose()
    {
        AccessLogs.Dispose();
        Tracing.Dispose();
        Tls.Dispose();
        ConnectionRelay?.Dispose();
        WebSockets.Dispose();
        Date.Dispose();
        Cache.Dispose();
        State.Dispose();
        SharedKeys?.Dispose();
        Cluster?.Dispose();
        Access.Dispose();
        Upstreams.Dispose();
    }
}
