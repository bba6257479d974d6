using System.Collections.Immutable;

namespace EdgeGw.Core.Configuration;

// The configuration exactly as the user wrote it, after type conversion and defaults but before validation.
// Validation reads these records; ModelCompiler turns a valid set into the runtime GatewayModel.

/// <summary>The root of <c>edgegw.json</c>.</summary>
public sealed record GatewayConfig(ServerConfig Server, ImmutableArray<ClusterConfig> Clusters, ImmutableArray<ApiConfig> Apis)
{
    public AdminConfig Admin { get; init; } = AdminConfig.Default;
    public CacheStoreConfig Cache { get; init; } = CacheStoreConfig.Default;
    /// <summary>Gateway-wide token bucket; null for none.</summary>
    public ThrottleConfig? Throttle { get; init; }
    public ApiKeysConfig ApiKeys { get; init; } = ApiKeysConfig.Default;
    public ImmutableArray<UsagePlanConfig> UsagePlans { get; init; } = [];
    public RedisConfig? Redis { get; init; }
    public StateConfig State { get; init; } = StateConfig.Default;
}

/// <summary>A token bucket: a steady rate (requests per second) and a burst (bucket size).</summary>
public sealed record ThrottleConfig(double RateLimit, int BurstLimit);

/// <summary>Where clients put their API key, and the keys defined in configuration.</summary>
public sealed record ApiKeysConfig(string Header, ImmutableArray<ApiKeyConfig> Keys)
{
    public static ApiKeysConfig Default { get; } = new(ConfigDefaults.ApiKeyHeader, []);
}

/// <summary>
/// One API key. <see cref="Value"/> is the plain key (fine for development) or <see cref="Sha256"/> its hex digest
/// (what production configs should hold); only the digest is kept at run time.
/// </summary>
public sealed record ApiKeyConfig(string Id, string? Value, string? Sha256, bool Enabled, ImmutableArray<string> UsagePlans);

/// <summary>A usage plan: which stages it covers, its per-key throttle (with per-route overrides) and quota.</summary>
public sealed record UsagePlanConfig(
    string Name,
    ImmutableArray<string> Stages,
    ThrottleConfig? Throttle,
    ImmutableArray<KeyValuePair<string, ThrottleConfig>> RouteThrottles,
    QuotaConfig? Quota);

/// <summary>Requests per key per period; <see cref="Offset"/> shifts the period start (days for WEEK/MONTH, hours for DAY).</summary>
public sealed record QuotaConfig(long Limit, string Period, int Offset);

/// <summary>Shared throttle and quota state across gateway instances.</summary>
public sealed record RedisConfig(string Configuration, string FailMode, int SyncIntervalMs, string KeyPrefix);

/// <summary>Local persistence of quota usage when Redis is not configured.</summary>
public sealed record StateConfig(string Path, int FlushIntervalSeconds)
{
    public static StateConfig Default { get; } = new(ConfigDefaults.StatePath, ConfigDefaults.StateFlushIntervalSeconds);
}

/// <summary>The operator API (metrics, cache flush). Loopback only unless <see cref="AllowRemote"/> is set.</summary>
public sealed record AdminConfig(ImmutableArray<string> Listen, bool AllowRemote)
{
    public static AdminConfig Default { get; } = new([ConfigDefaults.AdminListen], false);
}

/// <summary>The process-wide response cache store shared by every stage that enables caching.</summary>
public sealed record CacheStoreConfig(long MaxBytes, int MaxEntryBytes, string StatusHeader, int CoalesceTimeoutMs)
{
    public static CacheStoreConfig Default { get; } =
        new(ConfigDefaults.CacheMaxBytes, ConfigDefaults.CacheMaxEntryBytes, ConfigDefaults.CacheStatusHeader, ConfigDefaults.CacheCoalesceTimeoutMs);
}

/// <summary>
/// Cache settings of a stage, or a route's overrides of them. Every field is optional; a route's present
/// fields win over its stage's (as AWS's method-level cache settings override the stage's).
/// </summary>
public sealed record CacheConfig(
    bool? Enabled,
    int? TtlSeconds,
    ImmutableArray<string>? Methods,
    ImmutableArray<string>? KeyQuery,
    ImmutableArray<string>? KeyHeaders,
    ImmutableArray<int>? Statuses,
    bool? CacheSetCookie,
    bool? RequireAuthorizationForInvalidation,
    string? UnauthorizedInvalidation,
    ImmutableArray<string>? InvalidateApiKeys)
{
    public static CacheConfig None { get; } = new(null, null, null, null, null, null, null, null, null, null);
}

public sealed record ServerConfig(
    ImmutableArray<string> Listen,
    int DrainTimeoutSeconds,
    int KeepAliveTimeoutSeconds,
    int RequestHeadTimeoutSeconds,
    LimitsConfig Limits)
{
    /// <summary>A tunnel (WebSocket upgrade) with no bytes either way for this long is closed.</summary>
    public int TunnelIdleTimeoutSeconds { get; init; } = ConfigDefaults.TunnelIdleTimeoutSeconds;
    /// <summary>A tunnel is closed after this long whatever it carries.</summary>
    public int TunnelMaxLifetimeSeconds { get; init; } = ConfigDefaults.TunnelMaxLifetimeSeconds;
    /// <summary><c>auto</c> (epoll on Linux, else sockets), <c>epoll</c> or <c>sockets</c>; read at start only.</summary>
    public string Transport { get; init; } = ConfigDefaults.Transport;
}

public sealed record LimitsConfig(int MaxRequestLineBytes, int MaxHeaderBytes, int MaxHeaderCount, long MaxBodyBytes)
{
    /// <summary>Client connections served at once; more are answered 503 and closed.</summary>
    public int MaxConnections { get; init; } = ConfigDefaults.MaxConnections;
    /// <summary>Requests served on one connection before the gateway closes it (0: no limit).</summary>
    public int MaxRequestsPerConnection { get; init; }
    /// <summary>
    /// A request body must arrive at least this fast, after a grace period of the head timeout (0: only the
    /// per-read timeout applies). Stops clients that keep a body alive one byte at a time.
    /// </summary>
    public int MinBodyBytesPerSecond { get; init; } = ConfigDefaults.MinBodyBytesPerSecond;
}

public sealed record ClusterConfig(
    string Name,
    string LoadBalancing,
    ImmutableArray<string> Destinations,
    int MaxConnectionsPerDestination,
    int ConnectTimeoutMs,
    int IdleTimeoutSeconds,
    int ResponseTimeoutMs)
{
    public HealthConfig Health { get; init; } = HealthConfig.Default;
    public CircuitBreakerConfig? CircuitBreaker { get; init; }
    /// <summary>Other destinations a request may try after a failed connect (0-10).</summary>
    public int Retries { get; init; } = ConfigDefaults.Retries;
}

/// <summary>
/// Passive health: a destination with <see cref="ConsecutiveFailures"/> failed requests in a row is left out
/// of balancing for <see cref="ReactivationSeconds"/>. Active health probes it on its own schedule.
/// </summary>
public sealed record HealthConfig(int ConsecutiveFailures, int ReactivationSeconds, ActiveHealthConfig? Active)
{
    public static HealthConfig Default { get; } = new(ConfigDefaults.ConsecutiveFailures, ConfigDefaults.ReactivationSeconds, null);
}

/// <summary>An HTTP GET of <see cref="Path"/> every interval; 2xx/3xx is healthy.</summary>
public sealed record ActiveHealthConfig(string Path, int IntervalSeconds, int TimeoutMs, int HealthyThreshold, int UnhealthyThreshold);

/// <summary>Opens (answers 503 without calling the cluster) when the failure ratio in a window passes a threshold.</summary>
public sealed record CircuitBreakerConfig(double FailureRatio, int MinimumRequests, int WindowSeconds, int OpenSeconds);

public sealed record ApiConfig(string Name, ImmutableArray<string> Hosts, ImmutableArray<StageConfig> Stages, ImmutableArray<RouteConfig> Routes)
{
    /// <summary><c>http</c> (routes keyed by method and path) or <c>websocket</c> (routes keyed by a value in each message).</summary>
    public string Protocol { get; init; } = ConfigDefaults.ApiProtocol;
    /// <summary>WebSocket APIs: where in a JSON message the route key is, e.g. <c>$request.body.action</c>.</summary>
    public string? RouteSelectionExpression { get; init; }
    /// <summary>WebSocket APIs: handshake rules and limits.</summary>
    public WebSocketApiConfig WebSocket { get; init; } = WebSocketApiConfig.Default;
}

/// <summary>Handshake rules and limits of a WebSocket API (defaults as AWS API Gateway's).</summary>
public sealed record WebSocketApiConfig(
    ImmutableArray<string> AllowedOrigins,
    ImmutableArray<string> Subprotocols,
    int MaxFrameBytes,
    int MaxMessageBytes,
    int IdleTimeoutSeconds,
    int MaxLifetimeSeconds,
    int SendBufferBytes,
    ThrottleConfig? NewConnectionsThrottle)
{
    public static WebSocketApiConfig Default { get; } = new([], [], ConfigDefaults.WebSocketMaxFrameBytes, ConfigDefaults.WebSocketMaxMessageBytes,
        ConfigDefaults.WebSocketIdleTimeoutSeconds, ConfigDefaults.WebSocketMaxLifetimeSeconds, ConfigDefaults.WebSocketSendBufferBytes, null);
}

/// <summary>A deployment of an API; <c>$default</c> serves without a path prefix.</summary>
public sealed record StageConfig(string Name, ImmutableArray<KeyValuePair<string, string>> Variables)
{
    public CacheConfig Cache { get; init; } = CacheConfig.None;
    public ThrottleConfig? Throttle { get; init; }
}

public sealed record RouteConfig(string Key, long? MaxBodyBytes, IntegrationConfig Integration)
{
    public CacheConfig Cache { get; init; } = CacheConfig.None;
    /// <summary>This route's bucket on each stage (every stage gets its own).</summary>
    public ThrottleConfig? Throttle { get; init; }
    /// <summary>A bucket per client IP address on this route.</summary>
    public ThrottleConfig? ClientIpThrottle { get; init; }
    public bool ApiKeyRequired { get; init; }
    /// <summary>WebSocket API routes: send the integration's response body back to the client as a message.</summary>
    public bool RouteResponse { get; init; }
}

/// <summary>
/// One record for both integration types: <c>mock</c> uses status/headers/body, <c>http</c> uses
/// cluster/uri/timeoutMs. Validation rejects keys that belong to the other type.
/// </summary>
public sealed record IntegrationConfig(
    string Type,
    int Status,
    ImmutableArray<KeyValuePair<string, string>> Headers,
    string Body,
    string? Cluster,
    string? Uri,
    int? TimeoutMs,
    ImmutableArray<string> KeysPresent);

/// <summary>Defaults applied when a key is absent. They are documented in README.md; keep both in step.</summary>
public static class ConfigDefaults
{
    public const string Listen = "http://0.0.0.0:8080";
    public const int DrainTimeoutSeconds = 30;
    public const int KeepAliveTimeoutSeconds = 120;
    public const int RequestHeadTimeoutSeconds = 10;
    public const int MaxRequestLineBytes = 8 * 1024;
    public const int MaxHeaderBytes = 32 * 1024;
    public const int MaxHeaderCount = 100;
    public const long MaxBodyBytes = 10 * 1024 * 1024;
    public const int MaxConnections = 100_000;
    public const int TunnelIdleTimeoutSeconds = 600;
    public const int TunnelMaxLifetimeSeconds = 7200;
    public const string Transport = "auto";
    public const int MinBodyBytesPerSecond = 240;
    public const int ConsecutiveFailures = 5;
    public const int ReactivationSeconds = 30;
    public const string LoadBalancing = "RoundRobin";
    public const int MaxConnectionsPerDestination = 1024;
    public const int ConnectTimeoutMs = 5000;
    public const int IdleTimeoutSeconds = 60;
    public const int ResponseTimeoutMs = 29000;
    public const int Retries = 2;
    public const int MockStatus = 200;
    public const string AdminListen = "http://127.0.0.1:9901";
    public const long CacheMaxBytes = 256L * 1024 * 1024;
    public const int CacheMaxEntryBytes = 1024 * 1024;
    public const string CacheStatusHeader = "X-Cache";
    public const int CacheCoalesceTimeoutMs = 5000;
    public const int CacheTtlSeconds = 300;
    public const int CacheMaxTtlSeconds = 3600;
    public static readonly int[] CacheStatuses = [200, 203, 204, 301, 404];
    public static readonly string[] CacheMethods = ["GET", "HEAD"];
    public const string UnauthorizedInvalidation = "ignoreWithHeader";
    public const string ApiKeyHeader = "x-api-key";
    public const string StatePath = "edgegw-state.json";
    public const int StateFlushIntervalSeconds = 5;
    public const string RedisFailMode = "open";
    public const int RedisSyncIntervalMs = 50;
    public const string RedisKeyPrefix = "edgegw:";
    public const string ApiProtocol = "http";
    public const string RouteSelectionExpression = "$request.body.action";
    public const int WebSocketMaxFrameBytes = 32 * 1024;
    public const int WebSocketMaxMessageBytes = 128 * 1024;
    public const int WebSocketIdleTimeoutSeconds = 600;
    public const int WebSocketMaxLifetimeSeconds = 7200;
    public const int WebSocketSendBufferBytes = 1024 * 1024;
}
