namespace EdgeGw.Core.Deployments;

/// <summary>
/// One immutable, numbered snapshot of an API's definition (everything under <c>apis[]</c> but its stages), as the
/// config file held it when it was deployed. <paramref name="ConfigJson"/> is that JSON object.
/// </summary>
public sealed record Deployment(int Id, string Api, DateTimeOffset CreatedDate, string? Description, string ConfigJson);

/// <summary>What the deployment store holds for one stage: the deployment it serves (null: the file, live), a canary the admin API ended, and one it set.</summary>
/// <param name="CanaryEnded">The deployment of a canary that was promoted or deleted: the file's <c>canary</c> naming it is ignored from then on.</param>
/// <param name="Canary">A canary set through the admin API or <c>edgegw deploy --canary</c> (AWS's canarySettings of a stage): it takes precedence over the file's.</param>
public sealed record StagePointer(int? Deployment, int? CanaryEnded = null, StoredCanary? Canary = null);

/// <summary>A stage's canary kept in the deployment store, with the file's <c>canary</c> keys.</summary>
public sealed record StoredCanary(int Deployment, double PercentTraffic, IReadOnlyList<KeyValuePair<string, string>>? StageVariableOverrides = null,
    bool UseStageCache = false, string? StickyHeader = null, string? StickyCookie = null)
{
    internal CanaryConfig ToConfig() => new(Deployment, PercentTraffic, [.. StageVariableOverrides ?? []], UseStageCache, StickyHeader, StickyCookie,
        StickyGiven: StickyHeader is not null || StickyCookie is not null);
}
