using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using EdgeGw.Core.Routing;

namespace EdgeGw.Core.Model;

/// <summary>
/// The immutable runtime model compiled from one validated configuration. The server holds exactly one
/// at a time and replaces it with a single volatile write on reload, so a request sees one consistent model.
/// </summary>
public sealed class GatewayModel
{
    public required ServerSettings Server { get; init; }
    public required ImmutableArray<ClusterModel> Clusters { get; init; }
    public required RouteTable Routes { get; init; }
    /// <summary>Every deployed (API, stage) pair, for operator endpoints.</summary>
    public ImmutableArray<StageRef> Stages { get; init; } = [];
    public AdminSettings Admin { get; init; } = AdminSettings.Disabled;
    public Caching.CacheStoreSettings Cache { get; init; } = Caching.CacheStoreSettings.Default;
    /// <summary>Gateway-wide bucket; null for none.</summary>
    public UsagePlans.ThrottleSettings? Throttle { get; init; }
    /// <summary>Header carrying the API key, lower-case ASCII.</summary>
    public byte[] ApiKeyHeader { get; init; } = "x-api-key"u8.ToArray();
    public ImmutableArray<UsagePlans.UsagePlanModel> UsagePlans { get; init; } = [];
    public ImmutableArray<UsagePlans.ApiKeyDefinition> ApiKeys { get; init; } = [];
    /// <summary>Null without global mode.</summary>
    public Configuration.RedisConfig? Redis { get; init; }
    public Configuration.StateConfig State { get; init; } = Configuration.StateConfig.Default;
    /// <summary>Number of routes; <see cref="RouteModel.Ordinal"/> indexes per-route runtime state.</summary>
    public int RouteCount { get; init; }
    /// <summary>Every route (one per API route and stage), in ordinal order.</summary>
    public ImmutableArray<RouteModel> RouteList { get; init; } = [];
}

public readonly record struct StageRef(string Api, string Stage);

/// <summary>The operator API's listeners; empty disables it.</summary>
public sealed record AdminSettings(ImmutableArray<string> Listen)
{
    public static AdminSettings Disabled { get; } = new(ImmutableArray<string>.Empty);
}

/// <summary>Listener, limits and lifecycle settings.</summary>
public sealed record ServerSettings
{
    /// <summary>Listen URLs such as <c>http://0.0.0.0:8080</c>.</summary>
    public required ImmutableArray<string> Listen { get; init; }
    public required RequestLimits Limits { get; init; }
    /// <summary>How long SIGTERM waits for in-flight requests before closing connections.</summary>
    public required TimeSpan DrainTimeout { get; init; }
    /// <summary>How long a keep-alive client connection may sit idle between requests.</summary>
    public required TimeSpan KeepAliveTimeout { get; init; }
    /// <summary>How long a client has to send a complete request head once it has started one.</summary>
    public required TimeSpan RequestHeadTimeout { get; init; }
    public TimeSpan TunnelIdleTimeout { get; init; } = TimeSpan.FromSeconds(Configuration.ConfigDefaults.TunnelIdleTimeoutSeconds);
    public TimeSpan TunnelMaxLifetime { get; init; } = TimeSpan.FromSeconds(Configuration.ConfigDefaults.TunnelMaxLifetimeSeconds);
    /// <summary>The socket I/O for client and upstream connections (fixed at start; a reload does not change it).</summary>
    public Transport.TransportKind Transport { get; init; } = Core.Transport.TransportKind.Sockets;
}

/// <summary>Limits on what a client controls.</summary>
public sealed record RequestLimits
{
    public required int MaxRequestLineBytes { get; init; }
    public required int MaxHeaderBytes { get; init; }
    public required int MaxHeaderCount { get; init; }
    /// <summary>Default body limit for routes that do not set their own.</summary>
    public required long MaxBodyBytes { get; init; }
    public int MaxConnections { get; init; } = Configuration.ConfigDefaults.MaxConnections;
    /// <summary>0: no limit.</summary>
    public int MaxRequestsPerConnection { get; init; }
    /// <summary>0: no minimum rate, only the per-read timeout.</summary>
    public int MinBodyBytesPerSecond { get; init; }
}

/// <summary>One API route deployed to one stage, with its integration compiled for that stage.</summary>
public sealed class RouteModel
{
    public required string ApiName { get; init; }
    public required string StageName { get; init; }
    /// <summary>The route key as configured, e.g. <c>GET /pets/{id}</c> or <c>$default</c>.</summary>
    public required string RouteKey { get; init; }
    /// <summary>Names of the path parameters in capture order; a greedy <c>{proxy+}</c> is last.</summary>
    public required ImmutableArray<string> ParameterNames { get; init; }
    public required long MaxBodyBytes { get; init; }
    public required IntegrationModel Integration { get; init; }
    /// <summary>Null when responses of this route are not cached on this stage.</summary>
    public Caching.RouteCachePolicy? Cache { get; init; }
    /// <summary>Throttles and API-key requirement; null when none applies (then the step is skipped).</summary>
    public UsagePlans.RouteAccessModel? Access { get; init; }
    /// <summary>Position among the model's routes, for per-route runtime state.</summary>
    public int Ordinal { get; init; }
}

public abstract class IntegrationModel
{
}

/// <summary>Answers without an upstream: fixed status, headers and body.</summary>
public sealed class MockIntegrationModel : IntegrationModel
{
    public required int StatusCode { get; init; }
    /// <summary>Header name/value pairs as ASCII bytes, written in order after the gateway's own headers.</summary>
    public required ImmutableArray<HeaderBytes> Headers { get; init; }
    public required byte[] Body { get; init; }
}

/// <summary>Forwards to a cluster; the upstream path is built from <see cref="PathTemplate"/>.</summary>
public sealed class HttpIntegrationModel : IntegrationModel
{
    public required ClusterModel Cluster { get; init; }
    /// <summary>
    /// Parts of the upstream path. Empty means "forward the request path without the stage prefix".
    /// Stage variables are already substituted as literals. The query string is always appended.
    /// </summary>
    public required ImmutableArray<UriTemplatePart> PathTemplate { get; init; }
    /// <summary>Response timeout for this integration (defaults to the cluster's).</summary>
    public required TimeSpan ResponseTimeout { get; init; }
}

public enum UriTemplatePartKind : byte
{
    Literal,
    /// <summary>Raw bytes of a path capture (a <c>{param}</c> or the greedy <c>{proxy}</c>).</summary>
    Capture,
}

public readonly record struct UriTemplatePart(UriTemplatePartKind Kind, byte[] Literal, int CaptureIndex);

public readonly record struct HeaderBytes(byte[] Name, byte[] Value);

public enum LoadBalancingPolicy : byte
{
    RoundRobin,
    PowerOfTwoChoices,
}

public sealed class ClusterModel
{
    public required string Name { get; init; }
    /// <summary>Position in <see cref="GatewayModel.Clusters"/>.</summary>
    public required int Index { get; init; }
    public required LoadBalancingPolicy LoadBalancing { get; init; }
    public required ImmutableArray<DestinationModel> Destinations { get; init; }
    public required UpstreamPoolSettings Pool { get; init; }
    public Configuration.HealthConfig Health { get; init; } = Configuration.HealthConfig.Default;
    public Configuration.CircuitBreakerConfig? CircuitBreaker { get; init; }
    /// <summary>
    /// How many other destinations a request may try after a connect to one failed or timed out (nothing was sent
    /// yet, so any method may go elsewhere); 0 answers the first failure.
    /// </summary>
    public int Retries { get; init; }

    /// <summary>The largest <see cref="Retries"/> a config may set.</summary>
    public const int MaxRetries = 10;
}

/// <summary>An upstream address. <see cref="Authority"/> is <c>host:port</c> and is what the Host header carries.</summary>
public sealed record DestinationModel(string Host, int Port)
{
    public string Authority { get; } = Host.Contains(':') && !Host.StartsWith('[') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

public sealed record UpstreamPoolSettings
{
    public required int MaxConnectionsPerDestination { get; init; }
    public required TimeSpan ConnectTimeout { get; init; }
    public required TimeSpan IdleTimeout { get; init; }
    public required TimeSpan ResponseTimeout { get; init; }
}

/// <summary>The maximum number of path captures a route may have.</summary>
public static class RouteLimits
{
    public const int MaxCaptures = 16;
}

/// <summary>Offsets of one path capture within the path span passed to the route table.</summary>
public readonly record struct PathCapture(int Start, int Length);

[InlineArray(RouteLimits.MaxCaptures)]
public struct PathCaptureBuffer
{
    private PathCapture _element0;
}

/// <summary>Result of a route lookup. Filled in place so that a lookup allocates nothing.</summary>
public struct RouteMatch
{
    public RouteModel? Route;
    /// <summary>Bytes of the path consumed by the stage segment (e.g. 5 for <c>/prod</c>); 0 for <c>$default</c>.</summary>
    public int StagePrefixLength;
    public int CaptureCount;
    public PathCaptureBuffer Captures;
}
