using System.Collections.Immutable;
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
    public required RouteTable<RouteModel> Routes { get; init; }
    /// <summary>The routes of the stages' canary deployments, matched again when a primary route's <see cref="RouteModel.Canary"/> picks the canary; null when no stage has one.</summary>
    public RouteTable<RouteModel>? CanaryRoutes { get; init; }
    /// <summary>Where deployments are kept, what each stage serves, and what a new deployment would snapshot (<c>Deployments/</c>).</summary>
    public Deployments.DeploymentSettings? Deployments { get; init; }
    /// <summary>Custom domain names, with their certificate files (for the TLS listener) and API mappings.</summary>
    public ImmutableArray<DomainModel> Domains { get; init; } = [];
    /// <summary>Every deployed (API, stage) pair, for operator endpoints.</summary>
    public ImmutableArray<StageRef> Stages { get; init; } = [];
    public AdminSettings Admin { get; init; } = AdminSettings.Disabled;
    /// <summary>The level and format of the gateway's own log lines (read at start).</summary>
    public LoggingSettings Logging { get; init; } = LoggingSettings.Default;
    /// <summary>The gateway's default access log (stages without their own, and requests that match no route); null for none.</summary>
    public AccessLogging.AccessLogSettings? AccessLog { get; init; }
    /// <summary>Every access log destination of this model, indexed by <see cref="AccessLogging.AccessLogSettings.DestinationIndex"/>.</summary>
    public ImmutableArray<string> AccessLogDestinations { get; init; } = [];
    /// <summary>W3C Trace Context and OTLP export (<c>tracing</c>); null when tracing is off, so a request pays one null check.</summary>
    public Tracing.TracingSettings? Tracing { get; init; }
    public Caching.CacheStoreSettings Cache { get; init; } = Caching.CacheStoreSettings.Default;
    /// <summary>The <c>iam</c> section's credentials (SigV4); null without one.</summary>
    public Iam.IamSettings? Iam { get; init; }
    /// <summary>Gateway-wide bucket; null for none.</summary>
    public Throttling.ThrottleSettings? Throttle { get; init; }
    /// <summary>Header carrying the API key, lower-case ASCII.</summary>
    public byte[] ApiKeyHeader { get; init; } = "x-api-key"u8.ToArray();
    public ImmutableArray<UsagePlanModel> UsagePlans { get; init; } = [];
    public ImmutableArray<ApiKeyDefinition> ApiKeys { get; init; } = [];
    /// <summary>Null without global mode.</summary>
    public Throttling.RedisSettings? Redis { get; init; }
    public StateSettings State { get; init; } = StateSettings.Default;
    /// <summary>Number of routes; <see cref="RouteModel.Ordinal"/> indexes per-route runtime state.</summary>
    public int RouteCount { get; init; }
    /// <summary>Every route (one per API route and stage), in ordinal order.</summary>
    public ImmutableArray<RouteModel> RouteList { get; init; } = [];
    /// <summary>Gateway responses and CORS of requests no route matched; null when no API configures either.</summary>
    public GatewayResponses.UnmatchedRequestPolicies? UnmatchedRequests { get; init; }
    /// <summary>Some API has <c>gatewayResponses</c>: requests keep the record text their templates read.</summary>
    public bool HasGatewayResponses { get; init; }
    /// <summary>Some integration maps parameters: their <c>$context</c> values read the request record's text, as the access log does.</summary>
    public bool HasParameterMapping { get; init; }
    /// <summary>The configuration this model was compiled from (file, environment and command line merged) as JSON, secrets redacted; for <c>GET /config</c>.</summary>
    public string EffectiveConfig { get; init; } = "{}";
}
