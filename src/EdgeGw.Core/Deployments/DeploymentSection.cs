using System.Collections.Immutable;
using System.Globalization;
using EdgeGw.Core.Apis;
using EdgeGw.Core.Infrastructure;
using EdgeGw.Core.Model;
using EdgeGw.Core.UsagePlans;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Deployments;

/// <summary>
/// <c>deployments</c> (where deployments are kept: <c>directory</c>, by default <c>deployments/</c> beside the state file)
/// and each stage's <c>canary</c> (read by the API section through <see cref="ReadCanary"/>). At load it reads the
/// store: a stage with a deployment is compiled from that deployment's snapshot (validated again against the live
/// clusters, authorizers and IAM), a stage without one from the file; a stage's canary from its deployment.
/// </summary>
internal sealed class DeploymentSection : IConfigSection
{
    /// <summary>Appended to the stage name in the cache keys of a canary that does not use the stage cache.</summary>
    public const string CanaryCacheSuffix = "\0canary";

    private const string Key = "deployments";
    private static readonly string[] Keys = ["directory"];
    private static readonly string[] CanaryKeys = ["deployment", "percentTraffic", "stageVariableOverrides", "useStageCache", "sticky"];
    private static readonly string[] StickyKeys = ["header", "cookie"];

    private readonly ApiSection _apis;
    private readonly StateSection _state;
    private string? _directory;
    private IConfiguration? _root;
    private readonly Dictionary<(string, string), (ApiConfig, int)> _primary = [];
    private readonly Dictionary<(string, string), ResolvedCanary> _canaries = [];
    private readonly List<StageDeployment> _stages = [];

    public DeploymentSection(ApiSection apis, StateSection state)
    {
        _apis = apis;
        _state = state;
    }

    public void Read(IConfiguration root, ConfigReader reader)
    {
        _root = root;
        var section = root.GetSection(Key);
        reader.CheckObject(section, Key, Keys);
        _directory = section["directory"];
    }

    /// <summary>A stage's <c>canary</c> object; null when absent.</summary>
    public static CanaryConfig? ReadCanary(ConfigReader reader, IConfigurationSection section, string path)
    {
        if (!section.Exists())
        {
            return null;
        }

        reader.CheckObject(section, path, CanaryKeys);
        double? percent = null;
        if (section.GetSection("percentTraffic") is { Value: { } text })
        {
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value))
            {
                percent = value;
            }
            else
            {
                reader.Error(ConfigReader.Join(path, "percentTraffic"), $"expected a number, got '{text}'");
            }
        }

        var sticky = section.GetSection("sticky");
        string stickyPath = ConfigReader.Join(path, "sticky");
        if (sticky.Exists())
        {
            reader.CheckObject(sticky, stickyPath, StickyKeys);
        }

        return new CanaryConfig(
            reader.ReadInt(section, path, "deployment"),
            percent,
            reader.ReadMap(section.GetSection("stageVariableOverrides"), ConfigReader.Join(path, "stageVariableOverrides")),
            reader.ReadBool(section, path, "useStageCache"),
            sticky["header"],
            sticky["cookie"],
            sticky.Exists());
    }

    /// <summary>Where deployments are kept: <c>deployments.directory</c>, else <c>deployments/</c> beside the state file.</summary>
    public string Directory =>
        _directory ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(_state.Compile().Path))!, "deployments");

    public void Validate(ConfigChecks checks)
    {
        if (_directory is not null && string.IsNullOrWhiteSpace(_directory))
        {
            checks.Error("deployments.directory", "a directory path is required");
            return;
        }

        var store = new DeploymentStore(Directory);
        var pointers = store.ReadStages(out string? storeError);
        if (storeError is not null)
        {
            checks.Error("deployments.directory", storeError);
        }

        var snapshots = new Dictionary<(string, int), ApiConfig?>();
        for (int i = 0; i < _apis.Config.Length; i++)
        {
            var api = _apis.Config[i];
            var byStage = pointers.GetValueOrDefault(api.Name);
            for (int j = 0; j < api.Stages.Length; j++)
            {
                var stage = api.Stages[j];
                string stagePath = $"apis[{i}].stages[{j}]";
                var pointer = byStage?.GetValueOrDefault(stage.Name);
                bool http = api.Protocol == ApiSection.HttpProtocol;
                if (stage.Canary is { } canaryConfig)
                {
                    ValidateCanary(checks, canaryConfig, $"{stagePath}.canary", http);
                }

                // A canary set through the admin API (kept in the store) wins over the file's.
                string storedPath = $"deployments.stages.{api.Name}.{stage.Name}.canary";
                var stored = http ? pointer?.Canary?.ToConfig() : null;
                if (stored is not null)
                {
                    ValidateCanary(checks, stored, storedPath, http);
                }

                int served = 0;
                if (pointer?.Deployment is { } id && Snapshot(checks, store, snapshots, api, id, stagePath) is { } deployed)
                {
                    _primary[(api.Name, stage.Name)] = (deployed, id);
                    served = id;
                }

                if (!http)
                {
                    // A WebSocket API's stage is deployed and rolled back as an HTTP API's is, without a canary.
                    _stages.Add(new StageDeployment(api.Name, stage.Name, served, null, null));
                    continue;
                }

                int? canaryId = null;
                double? percent = null;
                var effective = stored ?? stage.Canary;
                string effectivePath = stored is null ? $"{stagePath}.canary" : storedPath;
                if (effective is { Deployment: { } canaryDeployment } canary)
                {
                    if (stored is null && pointer?.CanaryEnded == canaryDeployment)
                    {
                        checks.Warning($"{stagePath}.canary", $"the canary of deployment {canaryDeployment} was promoted or deleted through the admin API: ignored (remove it from the file, or name another deployment)");
                    }
                    else if (Snapshot(checks, store, snapshots, api, canaryDeployment, effectivePath) is { } canaryApi)
                    {
                        var variables = Override(stage.Variables, canary.StageVariableOverrides);
                        var policy = new CanaryPolicy(canaryDeployment, canary.PercentTraffic ?? 0, canary.StickyHeader, canary.StickyCookie);
                        _canaries[(api.Name, stage.Name)] = new ResolvedCanary(canaryApi, stage with { Variables = variables }, policy, canary.UseStageCache ?? false);
                        canaryId = canaryDeployment;
                        percent = policy.PercentTraffic;
                    }
                }

                _stages.Add(new StageDeployment(api.Name, stage.Name, served, canaryId, percent, stage.Canary?.Deployment, stored is not null));
            }
        }
    }

    private static void ValidateCanary(ConfigChecks checks, CanaryConfig canary, string path, bool http)
    {
        if (!http)
        {
            checks.Error(path, "only an HTTP API's stage can have a canary (a WebSocket API's stage is deployed and rolled back; AWS has canary releases for REST APIs only)");
            return;
        }

        if (canary.Deployment is null)
        {
            checks.Error($"{path}.deployment", "the canary's deployment number is required (see GET /deployments on the admin API)");
        }
        else if (canary.Deployment < 1)
        {
            checks.Error($"{path}.deployment", $"{canary.Deployment} is not a deployment number (1 or more)");
        }

        if (canary.PercentTraffic is not { } percent)
        {
            checks.Error($"{path}.percentTraffic", "the share of requests the canary serves (0.0 to 100.0) is required");
        }
        else if (!(percent >= 0 && percent <= 100))
        {
            checks.Error($"{path}.percentTraffic", $"{percent.ToString(CultureInfo.InvariantCulture)} is outside 0.0..100.0");
        }

        foreach (var variable in canary.StageVariableOverrides)
        {
            if (variable.Key.AsSpan().ContainsAnyExcept(ConfigChecks.NameChars))
            {
                checks.Error($"{path}.stageVariableOverrides.{variable.Key}", "a variable name may contain only letters, digits, '-' and '_'");
            }
            else if (variable.Value.Length > 2048 || !ConfigChecks.IsPathSafe(variable.Value))
            {
                checks.Error($"{path}.stageVariableOverrides.{variable.Key}", "a variable value may contain only characters allowed in a URL path (at most 2048)");
            }
        }

        if (canary.StickyGiven)
        {
            if ((canary.StickyHeader is null) == (canary.StickyCookie is null))
            {
                checks.Error($"{path}.sticky", "name either a header or a cookie whose value keeps a client on one side");
            }
            else if ((canary.StickyHeader ?? canary.StickyCookie)!.Length == 0 || (canary.StickyHeader ?? canary.StickyCookie)!.AsSpan().ContainsAnyExcept(ConfigChecks.TokenChars))
            {
                checks.Error($"{path}.sticky.{(canary.StickyHeader is null ? "cookie" : "header")}", $"'{canary.StickyHeader ?? canary.StickyCookie}' is not a header or cookie name");
            }
        }
    }

    /// <summary>Deployment <paramref name="id"/> of <paramref name="api"/> read and checked (once per load); null after reporting why not.</summary>
    private ApiConfig? Snapshot(ConfigChecks checks, DeploymentStore store, Dictionary<(string, int), ApiConfig?> snapshots, ApiConfig api, int id, string path)
    {
        if (snapshots.TryGetValue((api.Name, id), out var known))
        {
            return known;
        }

        ApiConfig? result = null;
        if (store.Read(api.Name, id, out string? error) is not { } deployment)
        {
            checks.Error(path, error!);
        }
        else
        {
            string snapshotPath = $"deployments.{api.Name}.{id}";
            var errors = new List<ConfigError>();
            var read = ApiSection.ReadSnapshot(new ConfigReader(errors), ApiSnapshot.Read(deployment.ConfigJson), snapshotPath);
            // The deployment brings routes and integrations; the API's name, hosts and stages are the file's.
            var merged = read with { Name = api.Name, Hosts = api.Hosts, Stages = api.Stages, Protocol = api.Protocol };
            var validation = new List<ConfigError>();
            _apis.ValidateSnapshot(new ConfigChecks(validation), merged, snapshotPath);
            errors.AddRange(validation);
            foreach (var e in errors)
            {
                checks.Error(e.Path, $"{e.Message} (deployment {id}, served by {path})");
            }

            result = errors.Count == 0 ? merged : null;
        }

        snapshots[(api.Name, id)] = result;
        return result;
    }

    private static ImmutableArray<KeyValuePair<string, string>> Override(ImmutableArray<KeyValuePair<string, string>> variables, ImmutableArray<KeyValuePair<string, string>> overrides)
    {
        if (overrides.IsDefaultOrEmpty)
        {
            return variables;
        }

        var merged = new List<KeyValuePair<string, string>>(variables.Length + overrides.Length);
        foreach (var variable in variables)
        {
            merged.Add(variable);
        }

        foreach (var over in overrides)
        {
            int index = merged.FindIndex(v => v.Key == over.Key);
            if (index >= 0)
            {
                merged[index] = over;
            }
            else
            {
                merged.Add(over);
            }
        }

        return [.. merged];
    }

    /// <summary>What each stage is compiled from (the API section's compile step reads it).</summary>
    public StageDeployments Compile() => new(_primary, _canaries);

    /// <summary>The model's view: where the store is, what each stage serves, and the configuration a new deployment snapshots.</summary>
    public DeploymentSettings CompileSettings()
    {
        var apis = new List<DeployableApi>();
        foreach (var api in _apis.Config)
        {
            var stages = ImmutableArray.CreateBuilder<string>();
            foreach (var stage in api.Stages)
            {
                stages.Add(stage.Name);
            }

            apis.Add(new DeployableApi(api.Name, api.Protocol == ApiSection.HttpProtocol, stages.ToImmutable()));
        }

        return new DeploymentSettings(new DeploymentStore(Directory), _root!, [.. _stages], [.. apis]);
    }
}
