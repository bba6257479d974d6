using System.Collections.Immutable;
using EdgeGw.Core.Model;
using EdgeGw.Core.Throttling;

namespace EdgeGw.Core.UsagePlans;

/// <summary>A compiled usage plan.</summary>
public sealed class UsagePlanModel
{
    public required string Name { get; init; }
    /// <summary>Position in <see cref="GatewayModel.UsagePlans"/>.</summary>
    public required int Index { get; init; }
    public required ImmutableArray<StageRef> Stages { get; init; }
    /// <summary>Per-key bucket for every route of the plan's stages, unless a route override applies.</summary>
    public required ThrottleSettings? Throttle { get; init; }
    /// <summary>Per-key buckets for single routes (route key → settings).</summary>
    public required ImmutableDictionary<string, ThrottleSettings> RouteThrottles { get; init; }
    public required long? QuotaLimit { get; init; }
    public required QuotaPeriod QuotaPeriod { get; init; }

    public bool Covers(StageRef stage) => Stages.Contains(stage);
}

/// <summary>An API key from configuration: only its SHA-256 is kept.</summary>
public sealed record ApiKeyDefinition(string Id, string Sha256Hex, bool Enabled, ImmutableArray<string> UsagePlans);

/// <summary>Throttling and API-key settings of one route on one stage.</summary>
public sealed class RouteAccessModel
{
    public required StageRef Stage { get; init; }
    public required string RouteKey { get; init; }
    public required bool ApiKeyRequired { get; init; }
    public required ThrottleSettings? StageThrottle { get; init; }
    public required ThrottleSettings? RouteThrottle { get; init; }
    public required ThrottleSettings? ClientIpThrottle { get; init; }
}
