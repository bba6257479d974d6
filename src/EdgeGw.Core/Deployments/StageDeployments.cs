using EdgeGw.Core.Apis;

namespace EdgeGw.Core.Deployments;

/// <summary>A stage's canary resolved at load: the canary deployment's API definition, and the stage as the canary sees it.</summary>
internal sealed record ResolvedCanary(ApiConfig Api, StageConfig Stage, CanaryPolicy Policy, bool UseStageCache);

/// <summary>
/// What the API section compiles each stage from, resolved by <see cref="DeploymentSection"/> at load: the deployment a
/// stage serves (absent: the file, live) and its canary. Keys are (API, stage).
/// </summary>
internal sealed class StageDeployments
{
    private readonly Dictionary<(string, string), (ApiConfig Api, int Id)> _primary;
    private readonly Dictionary<(string, string), ResolvedCanary> _canaries;

    public StageDeployments(Dictionary<(string, string), (ApiConfig, int)> primary, Dictionary<(string, string), ResolvedCanary> canaries)
    {
        _primary = primary;
        _canaries = canaries;
    }

    public static StageDeployments None { get; } = new([], []);

    public bool TryGetPrimary(string api, string stage, out ApiConfig config, out int deployment)
    {
        if (_primary.TryGetValue((api, stage), out var found))
        {
            (config, deployment) = found;
            return true;
        }

        config = null!;
        deployment = 0;
        return false;
    }

    public ResolvedCanary? Canary(string api, string stage) => _canaries.GetValueOrDefault((api, stage));
}
