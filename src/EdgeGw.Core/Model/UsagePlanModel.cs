using System.Collections.Immutable;
using EdgeGw.Core.Throttling;

namespace EdgeGw.Core.Model;

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
