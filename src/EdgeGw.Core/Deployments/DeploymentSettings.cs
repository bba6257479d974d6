using System.Collections.Immutable;
using EdgeGw.Core.Configuration;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Deployments;

/// <summary>What a stage serves in one model: its deployment (0: the file, live) and its canary (null: none).</summary>
/// <param name="FileCanary">The deployment the file's <c>canary</c> names (in effect or not); ended along with the canary in effect.</param>
/// <param name="CanaryStored">The canary in effect was set through the admin API (kept in the store), not by the file.</param>
public sealed record StageDeployment(string Api, string Stage, int Deployment, int? CanaryDeployment, double? CanaryPercent, int? FileCanary = null, bool CanaryStored = false);

/// <summary>An API of the model, for the deployment operations' checks.</summary>
public sealed record DeployableApi(string Name, bool Http, ImmutableArray<string> Stages);

/// <summary>Why a deployment operation did not happen.</summary>
public enum DeploymentError
{
    None,
    /// <summary>No such API, stage or deployment (404).</summary>
    NotFound,
    /// <summary>The request itself is wrong: a canary for a WebSocket API, a missing argument (400).</summary>
    Invalid,
    /// <summary>The stage is not in a state that allows it: no canary to promote (409).</summary>
    Conflict,
}

/// <summary>
/// The deployments of one model: the store, what each stage serves, and the operations of <c>edgegw deploy</c> and the
/// admin API (create, roll back, promote or delete a canary). An operation writes the store; the caller then loads the
/// configuration again (<see cref="Recompile"/>) and swaps the model in, as a hot reload does, or undoes the write
/// (<see cref="RestoreStages"/>) when the result does not load.
/// </summary>
public sealed class DeploymentSettings
{
    private readonly IConfiguration _configuration;
    private readonly ImmutableArray<DeployableApi> _apis;

    internal DeploymentSettings(DeploymentStore store, IConfiguration configuration, ImmutableArray<StageDeployment> stages, ImmutableArray<DeployableApi> apis)
    {
        Store = store;
        _configuration = configuration;
        Stages = stages;
        _apis = apis;
    }

    public DeploymentStore Store { get; }

    /// <summary>Every stage of every API, with the deployment it serves and its canary (HTTP APIs only).</summary>
    public ImmutableArray<StageDeployment> Stages { get; }

    /// <summary>The stage's entry; null when the model has no such stage.</summary>
    public StageDeployment? Stage(string api, string stage)
    {
        foreach (var entry in Stages)
        {
            if (entry.Api == api && entry.Stage == stage)
            {
                return entry;
            }
        }

        return null;
    }

    /// <summary>Loads the configuration this model came from again, with the store as it is now.</summary>
    public ConfigLoadResult Recompile() => GatewayConfigLoader.Load(_configuration);

    /// <summary>The stages file as it was before an operation, to undo it with <see cref="RestoreStages"/>.</summary>
    public Dictionary<string, Dictionary<string, StagePointer>> SaveStages() => Store.ReadStages(out _);

    public void RestoreStages(Dictionary<string, Dictionary<string, StagePointer>> saved) => Store.WriteStages(saved);

    /// <summary>
    /// Snapshots <paramref name="api"/> as this model's configuration holds it into a new deployment and, when
    /// <paramref name="stage"/> is given, points the stage at it (AWS's CreateDeployment with a stageName).
    /// </summary>
    /// <param name="canary">AWS's canarySettings of CreateDeployment: the new deployment becomes the stage's canary (its deployment stays), not the stage's deployment.</param>
    public Deployment? Deploy(string api, string? stage, string? description, DateTimeOffset now, out DeploymentError error, out string? message, StoredCanary? canary = null)
    {
        if (!CheckStage(api, stage, out error, out message))
        {
            return null;
        }

        if (canary is not null && stage is null)
        {
            (error, message) = (DeploymentError.Invalid, "a canary is deployed to a stage: name the stage");
            return null;
        }

        if (canary is not null && !CheckCanaryApi(api, out error, out message))
        {
            return null;
        }

        string json = ApiSnapshot.Render(_configuration, api)!;
        var deployment = Store.Create(api, json, description, now);
        if (canary is not null)
        {
            SetPointer(api, stage!, p => p with { Canary = canary with { Deployment = deployment.Id } });
        }
        else if (stage is not null)
        {
            SetPointer(api, stage, p => p with { Deployment = deployment.Id });
        }

        return deployment;
    }

    /// <summary>Sets (or replaces) the stage's canary, kept in the store (AWS's UpdateStage of canarySettings); its deployment must exist.</summary>
    public bool SetCanary(string api, string stage, StoredCanary canary, out DeploymentError error, out string? message)
    {
        if (!CheckStage(api, stage, out error, out message) || !CheckCanaryApi(api, out error, out message))
        {
            return false;
        }

        if (Store.Read(api, canary.Deployment, out string? missing) is null)
        {
            (error, message) = (DeploymentError.NotFound, missing);
            return false;
        }

        SetPointer(api, stage, p => p with { Canary = canary });
        return true;
    }

    /// <summary>Points <paramref name="stage"/> at deployment <paramref name="to"/>, an earlier one or a later one.</summary>
    public bool Rollback(string api, string stage, int to, out DeploymentError error, out string? message)
    {
        if (!CheckStage(api, stage, out error, out message))
        {
            return false;
        }

        if (Store.Read(api, to, out string? missing) is null)
        {
            (error, message) = (DeploymentError.NotFound, missing);
            return false;
        }

        SetPointer(api, stage, p => p with { Deployment = to });
        return true;
    }

    /// <summary>The canary's deployment becomes the stage's, and the canary ends (its overrides are not copied into the file's stage variables).</summary>
    public bool PromoteCanary(string api, string stage, out int deployment, out DeploymentError error, out string? message)
    {
        deployment = 0;
        if (!CheckCanary(api, stage, out int canary, out error, out message))
        {
            return false;
        }

        deployment = canary;
        int? file = Stage(api, stage)?.FileCanary;
        SetPointer(api, stage, p => p with { Deployment = canary, Canary = null, CanaryEnded = file ?? p.CanaryEnded });
        return true;
    }

    /// <summary>Ends the stage's canary: every request is served by the stage's deployment again.</summary>
    public bool DeleteCanary(string api, string stage, out int deployment, out DeploymentError error, out string? message)
    {
        if (!CheckCanary(api, stage, out deployment, out error, out message))
        {
            return false;
        }

        int? file = Stage(api, stage)?.FileCanary;
        SetPointer(api, stage, p => p with { Canary = null, CanaryEnded = file ?? p.CanaryEnded });
        return true;
    }

    private bool CheckStage(string api, string? stage, out DeploymentError error, out string? message)
    {
        (error, message) = (DeploymentError.None, null);
        DeployableApi? found = null;
        foreach (var candidate in _apis)
        {
            if (candidate.Name == api)
            {
                found = candidate;
            }
        }

        if (found is null)
        {
            (error, message) = (DeploymentError.NotFound, $"no API '{api}' in the configuration");
        }
        else if (stage is not null && !found.Stages.Contains(stage))
        {
            (error, message) = (DeploymentError.NotFound, $"API '{api}' has no stage '{stage}'");
        }

        return error == DeploymentError.None;
    }

    /// <summary>Only an HTTP API's stage has a canary (AWS has canary releases for REST APIs only; EdgeGw for HTTP APIs).</summary>
    private bool CheckCanaryApi(string api, out DeploymentError error, out string? message)
    {
        (error, message) = (DeploymentError.None, null);
        foreach (var candidate in _apis)
        {
            if (candidate.Name == api && !candidate.Http)
            {
                (error, message) = (DeploymentError.Invalid, $"API '{api}' is a WebSocket API: its stages are deployed and rolled back, without a canary");
                return false;
            }
        }

        return true;
    }

    private bool CheckCanary(string api, string stage, out int canary, out DeploymentError error, out string? message)
    {
        canary = 0;
        if (!CheckStage(api, stage, out error, out message))
        {
            return false;
        }

        if (Stage(api, stage)?.CanaryDeployment is not { } deployment)
        {
            (error, message) = (DeploymentError.Conflict, $"stage '{stage}' of API '{api}' has no canary");
            return false;
        }

        canary = deployment;
        return true;
    }

    private void SetPointer(string api, string stage, Func<StagePointer, StagePointer> change)
    {
        var stages = Store.ReadStages(out string? error);
        if (error is not null)
        {
            throw new IOException(error);
        }

        if (!stages.TryGetValue(api, out var byStage))
        {
            byStage = new Dictionary<string, StagePointer>(StringComparer.Ordinal);
            stages[api] = byStage;
        }

        byStage[stage] = change(byStage.GetValueOrDefault(stage) ?? new StagePointer(null));
        Store.WriteStages(stages);
    }
}
