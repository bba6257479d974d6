using System.Text.Json;
using EdgeGw.Core.Deployments;

namespace EdgeGw.Server.Admin;

/// <summary>
/// Deployments (AWS's CreateDeployment / GetDeployments, a stage's deployment and canary):
/// <list type="bullet">
/// <item><c>GET /deployments[?api=]</c>: every deployment kept, and what each stage serves.</item>
/// <item><c>POST /deployments</c> <c>{"api","stage","description"}</c>: snapshots the running config's API as a new
/// deployment and (with <c>stage</c>) points the stage at it.</item>
/// <item><c>POST /stages/{api}/{stage}/rollback?to=N</c>: the stage serves deployment N.</item>
/// <item><c>PUT /stages/{api}/{stage}/canary</c> (set the canary: AWS's canarySettings), <c>POST /stages/{api}/{stage}/canary/promote</c>, <c>DELETE /stages/{api}/{stage}/canary</c>.</item>
/// </list>
/// Each change writes the store, loads the running configuration again and swaps the new model in as a hot reload
/// does (requests in flight finish on the model they started with); a result that does not load is undone (409).
/// </summary>
internal sealed partial class AdminApi
{
    private static readonly Lock DeploymentGate = new();

    /// <summary>AWS's canarySettings (and EdgeGw's <c>sticky</c>); <c>deployment</c> only in <c>PUT /stages/{api}/{stage}/canary</c>.</summary>
    private sealed record CanaryRequest(int? Deployment, double? PercentTraffic, Dictionary<string, string>? StageVariableOverrides, bool? UseStageCache, StickyRequest? Sticky);

    private sealed record StickyRequest(string? Header, string? Cookie);

    private sealed record CreateDeploymentRequest(string? Api, string? Stage, string? Description, CanaryRequest? CanarySettings);

    private static StoredCanary Stored(CanaryRequest request, int deployment) => new(
        deployment,
        request.PercentTraffic ?? 0,
        request.StageVariableOverrides?.ToList(),
        request.UseStageCache ?? false,
        request.Sticky?.Header,
        request.Sticky?.Cookie);

    private AdminResponse Deployments(AdminRequest request, string[] segments)
    {
        if (segments.Length != 1)
        {
            return AdminResponse.Error(404, "use /deployments");
        }

        switch (request.Method)
        {
            case "GET" or "HEAD":
                return ListDeployments(QueryValue(request.Query, "api"));
            case "POST":
                CreateDeploymentRequest? body;
                try
                {
                    body = request.Body is { Length: > 0 } ? JsonSerializer.Deserialize<CreateDeploymentRequest>(request.Body, AdminJson.Options) : null;
                }
                catch (JsonException ex)
                {
                    return AdminResponse.Error(400, $"invalid JSON: {ex.Message}");
                }

                if (body?.Api is not { Length: > 0 } api)
                {
                    return AdminResponse.Error(400, "the body names the API to deploy: {\"api\": \"petstore\", \"stage\": \"prod\", \"description\": \"...\"}");
                }

                if (body.CanarySettings is { PercentTraffic: null })
                {
                    return AdminResponse.Error(400, "canarySettings needs percentTraffic (0.0 to 100.0)");
                }

                return ChangeDeployments(201, settings =>
                {
                    var canary = body.CanarySettings is { } settingsRequest ? Stored(settingsRequest, 0) : null;
                    var deployment = settings.Deploy(api, body.Stage, body.Description, runtime.Time.GetUtcNow(), out var error, out string? message, canary);
                    return (error, message, deployment is null ? null : new
                    {
                        id = deployment.Id,
                        api = deployment.Api,
                        description = deployment.Description,
                        createdDate = deployment.CreatedDate,
                        stage = body.Stage,
                        canary = canary is not null,
                    });
                });
            default:
                return NotAllowed();
        }
    }

    private AdminResponse Stages(AdminRequest request, string[] segments)
    {
        if (segments.Length < 4)
        {
            return AdminResponse.Error(404, "use /stages/{api}/{stage}/rollback?to=N, /stages/{api}/{stage}/canary/promote or DELETE /stages/{api}/{stage}/canary");
        }

        string api = Uri.UnescapeDataString(segments[1]);
        string stage = Uri.UnescapeDataString(segments[2]);
        if (segments.Length == 4 && segments[3] == "rollback")
        {
            if (request.Method != "POST")
            {
                return NotAllowed();
            }

            if (!int.TryParse(QueryValue(request.Query, "to"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int to) || to < 1)
            {
                return AdminResponse.Error(400, "rollback needs ?to=N, the number of the deployment the stage is to serve (see GET /deployments)");
            }

            return ChangeDeployments(200, settings => settings.Rollback(api, stage, to, out var error, out string? message)
                ? (error, message, new { api, stage, deployment = to })
                : (error, message, null));
        }

        if (segments.Length == 4 && segments[3] == "canary" && request.Method == "PUT")
        {
            return SetCanary(request, api, stage);
        }

        if (segments.Length == 4 && segments[3] == "canary")
        {
            if (request.Method != "DELETE")
            {
                return NotAllowed();
            }

            return ChangeDeployments(200, settings => settings.DeleteCanary(api, stage, out int canary, out var error, out string? message)
                ? (error, message, new { api, stage, deployment = settings.Stage(api, stage)?.Deployment is > 0 and var d ? d : (int?)null, canaryDeleted = canary })
                : (error, message, null));
        }

        if (segments.Length == 5 && segments[3] == "canary" && segments[4] == "promote")
        {
            if (request.Method != "POST")
            {
                return NotAllowed();
            }

            return ChangeDeployments(200, settings => settings.PromoteCanary(api, stage, out int promoted, out var error, out string? message)
                ? (error, message, new { api, stage, deployment = (int?)promoted, canaryDeleted = promoted })
                : (error, message, null));
        }

        return AdminResponse.Error(404, "use /stages/{api}/{stage}/rollback?to=N, /stages/{api}/{stage}/canary/promote or DELETE /stages/{api}/{stage}/canary");
    }

    /// <summary><c>PUT /stages/{api}/{stage}/canary</c>: sets the stage's canary (AWS's UpdateStage of canarySettings); without <c>deployment</c>, the one in effect.</summary>
    private AdminResponse SetCanary(AdminRequest request, string api, string stage)
    {
        CanaryRequest? body;
        try
        {
            body = request.Body is { Length: > 0 } ? JsonSerializer.Deserialize<CanaryRequest>(request.Body, AdminJson.Options) : null;
        }
        catch (JsonException ex)
        {
            return AdminResponse.Error(400, $"invalid JSON: {ex.Message}");
        }

        if (body?.PercentTraffic is null)
        {
            return AdminResponse.Error(400, "the body sets the canary: {\"deployment\": 7, \"percentTraffic\": 10.0, \"stageVariableOverrides\": {}, \"useStageCache\": false}");
        }

        return ChangeDeployments(200, settings =>
        {
            int? deployment = body.Deployment ?? settings.Stage(api, stage)?.CanaryDeployment;
            if (deployment is not { } id)
            {
                return (DeploymentError.Invalid, $"stage '{stage}' of API '{api}' has no canary: name its deployment", null);
            }

            return settings.SetCanary(api, stage, Stored(body, id), out var error, out string? message)
                ? (error, message, new { api, stage, canary = new { deployment = id, percentTraffic = body.PercentTraffic } })
                : (error, message, null);
        });
    }

    private AdminResponse ListDeployments(string? api)
    {
        if (runtime.Current.Model.Deployments is not { } settings)
        {
            return AdminResponse.Error(503, "this model has no deployment store");
        }

        var stages = new List<object>();
        foreach (var stage in settings.Stages)
        {
            if (api is null || stage.Api == api)
            {
                stages.Add(new
                {
                    api = stage.Api,
                    stage = stage.Stage,
                    deployment = stage.Deployment > 0 ? stage.Deployment : (int?)null,
                    canary = stage.CanaryDeployment is { } canary ? new { deployment = canary, percentTraffic = stage.CanaryPercent, source = stage.CanaryStored ? "admin" : "config" } : null,
                });
            }
        }

        var items = settings.Store.List(api).Select(d => new { id = d.Id, api = d.Api, description = d.Description, createdDate = d.CreatedDate });
        return AdminResponse.Json(200, new { items, stages, directory = settings.Store.Directory });
    }

    /// <summary>Runs one change to the store, then loads and swaps the new model; undoes the store's stages when it does not load.</summary>
    private AdminResponse ChangeDeployments(int status, Func<DeploymentSettings, (DeploymentError Error, string? Message, object? Result)> change)
    {
        lock (DeploymentGate)
        {
            if (runtime.Current.Model.Deployments is not { } settings)
            {
                return AdminResponse.Error(503, "this model has no deployment store");
            }

            var saved = settings.SaveStages();
            (DeploymentError error, string? message, object? result) outcome;
            try
            {
                outcome = change(settings);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return AdminResponse.Error(500, $"the deployment store could not be written: {ex.Message}");
            }

            if (outcome.error != DeploymentError.None)
            {
                return AdminResponse.Error(outcome.error switch
                {
                    DeploymentError.NotFound => 404,
                    DeploymentError.Conflict => 409,
                    _ => 400,
                }, outcome.message ?? "refused");
            }

            var loaded = settings.Recompile();
            if (loaded.Model is null)
            {
                settings.RestoreStages(saved);
                return AdminResponse.Error(409, $"the stage was left as it was: the configuration with this change does not load:\n{loaded.Format()}");
            }

            runtime.Swap(loaded.Model);
            return AdminResponse.Json(status, outcome.result!);
        }
    }
}
