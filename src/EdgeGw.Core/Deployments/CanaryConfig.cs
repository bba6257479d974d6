using System.Collections.Immutable;

namespace EdgeGw.Core.Deployments;

/// <summary>
/// A stage's <c>canary</c> as written: AWS's canarySettings (<c>deploymentId</c> → <c>deployment</c>,
/// <c>percentTraffic</c>, <c>stageVariableOverrides</c>, <c>useStageCache</c>) and EdgeGw's <c>sticky</c>.
/// </summary>
internal sealed record CanaryConfig(
    int? Deployment,
    double? PercentTraffic,
    ImmutableArray<KeyValuePair<string, string>> StageVariableOverrides,
    bool? UseStageCache,
    string? StickyHeader,
    string? StickyCookie,
    bool StickyGiven);
