using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeGw.Core.Deployments;

/// <summary>
/// Deployments on disk, beside the state file: <c>&lt;directory&gt;/&lt;api&gt;/&lt;n&gt;.json</c>, one immutable file per
/// deployment (created with <see cref="FileMode.CreateNew"/>, so two writers never get the same number), and
/// <c>&lt;directory&gt;/stages.json</c>, the deployment each stage serves (replaced whole: written beside, then renamed).
/// Only the config loader, the CLI's <c>deploy</c> and the admin API touch it, never a request.
/// </summary>
public sealed class DeploymentStore
{
    public const string StagesFileName = "stages.json";

    public DeploymentStore(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = directory;
    }

    public string Directory { get; }

    public string StagesPath => Path.Combine(Directory, StagesFileName);

    /// <summary>The directory of one API's deployments (its name escaped, so that any name is one safe path segment).</summary>
    private string ApiDirectory(string api) => Path.Combine(Directory, Uri.EscapeDataString(api).Replace(".", "%2E", StringComparison.Ordinal));

    /// <summary>Writes a new deployment of <paramref name="api"/> numbered one past the highest there is.</summary>
    public Deployment Create(string api, string configJson, string? description, DateTimeOffset now)
    {
        string directory = ApiDirectory(api);
        System.IO.Directory.CreateDirectory(directory);
        for (int attempt = 0; ; attempt++)
        {
            int id = HighestId(api) + 1;
            var deployment = new Deployment(id, api, now, description, configJson);
            byte[] bytes = Serialize(deployment);
            try
            {
                using var file = new FileStream(Path.Combine(directory, $"{id.ToString(CultureInfo.InvariantCulture)}.json"), FileMode.CreateNew, FileAccess.Write);
                file.Write(bytes);
                file.Flush(flushToDisk: true);
                return deployment;
            }
            catch (IOException) when (attempt < 20 && File.Exists(Path.Combine(directory, $"{id.ToString(CultureInfo.InvariantCulture)}.json")))
            {
                // Another writer took this number: take the next.
            }
        }
    }

    /// <summary>Deployment <paramref name="id"/> of <paramref name="api"/>; null with <paramref name="error"/> set when missing or unreadable.</summary>
    public Deployment? Read(string api, int id, out string? error)
    {
        string path = Path.Combine(ApiDirectory(api), $"{id.ToString(CultureInfo.InvariantCulture)}.json");
        error = null;
        try
        {
            if (!File.Exists(path))
            {
                error = $"API '{api}' has no deployment {id} (no {path})";
                return null;
            }

            var node = JsonNode.Parse(File.ReadAllBytes(path)) as JsonObject;
            if (node?["config"] is not JsonObject config || node["id"]?.GetValue<int>() != id)
            {
                error = $"{path}: not a deployment file";
                return null;
            }

            return new Deployment(id, api, node["createdDate"]?.GetValue<DateTimeOffset>() ?? default, node["description"]?.GetValue<string>(), config.ToJsonString());
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException or FormatException)
        {
            error = $"{path}: {ex.Message}";
            return null;
        }
    }

    /// <summary>Every deployment of <paramref name="api"/> (every API when null), by API then number; unreadable files are skipped.</summary>
    public List<Deployment> List(string? api = null)
    {
        var all = new List<Deployment>();
        if (!System.IO.Directory.Exists(Directory))
        {
            return all;
        }

        foreach (string directory in System.IO.Directory.GetDirectories(Directory))
        {
            string name = Uri.UnescapeDataString(Path.GetFileName(directory));
            if (api is not null && name != api)
            {
                continue;
            }

            foreach (int id in Ids(directory))
            {
                if (Read(name, id, out _) is { } deployment)
                {
                    all.Add(deployment);
                }
            }
        }

        all.Sort(static (a, b) => a.Api == b.Api ? a.Id.CompareTo(b.Id) : string.CompareOrdinal(a.Api, b.Api));
        return all;
    }

    /// <summary>The stages' pointers by API then stage; empty when there is no file yet. <paramref name="error"/> is set (and nothing returned) when it cannot be read.</summary>
    public Dictionary<string, Dictionary<string, StagePointer>> ReadStages(out string? error)
    {
        error = null;
        var stages = new Dictionary<string, Dictionary<string, StagePointer>>(StringComparer.Ordinal);
        try
        {
            if (!File.Exists(StagesPath))
            {
                return stages;
            }

            if (JsonNode.Parse(File.ReadAllBytes(StagesPath)) is not JsonObject root)
            {
                error = $"{StagesPath}: expected a JSON object";
                return [];
            }

            foreach (var (api, value) in root)
            {
                var byStage = new Dictionary<string, StagePointer>(StringComparer.Ordinal);
                foreach (var (stage, pointer) in value as JsonObject ?? new JsonObject())
                {
                    byStage[stage] = new StagePointer(pointer?["deployment"]?.GetValue<int>(), pointer?["canaryEnded"]?.GetValue<int>(), ReadCanary(pointer?["canary"] as JsonObject));
                }

                stages[api] = byStage;
            }

            return stages;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or InvalidOperationException or FormatException)
        {
            error = $"{StagesPath}: {ex.Message}";
            return [];
        }
    }

    /// <summary>The bytes of the stages file (null when absent): what a reload compares to tell whether a stage changed deployment.</summary>
    public byte[]? StagesBytes()
    {
        try
        {
            return File.Exists(StagesPath) ? File.ReadAllBytes(StagesPath) : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Replaces the stages file whole (a reader sees the old file or the new one, never a part).</summary>
    public void WriteStages(Dictionary<string, Dictionary<string, StagePointer>> stages)
    {
        var root = new JsonObject();
        foreach (var (api, byStage) in stages.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var apiNode = new JsonObject();
            foreach (var (stage, pointer) in byStage.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                var node = new JsonObject();
                if (pointer.Deployment is { } deployment)
                {
                    node["deployment"] = deployment;
                }

                if (pointer.CanaryEnded is { } ended)
                {
                    node["canaryEnded"] = ended;
                }

                if (pointer.Canary is { } canary)
                {
                    node["canary"] = WriteCanary(canary);
                }

                apiNode[stage] = node;
            }

            root[api] = apiNode;
        }

        System.IO.Directory.CreateDirectory(Directory);
        string temporary = StagesPath + $".{Environment.ProcessId}.tmp";
        File.WriteAllBytes(temporary, Encoding.UTF8.GetBytes(root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n"));
        File.Move(temporary, StagesPath, overwrite: true);
    }

    private static StoredCanary? ReadCanary(JsonObject? node)
    {
        if (node is null)
        {
            return null;
        }

        var overrides = new List<KeyValuePair<string, string>>();
        foreach (var (name, value) in node["stageVariableOverrides"] as JsonObject ?? new JsonObject())
        {
            overrides.Add(new(name, value?.GetValue<string>() ?? ""));
        }

        return new StoredCanary(
            node["deployment"]!.GetValue<int>(),
            node["percentTraffic"]!.GetValue<double>(),
            overrides,
            node["useStageCache"]?.GetValue<bool>() ?? false,
            node["sticky"]?["header"]?.GetValue<string>(),
            node["sticky"]?["cookie"]?.GetValue<string>());
    }

    private static JsonObject WriteCanary(StoredCanary canary)
    {
        var overrides = new JsonObject();
        foreach (var (name, value) in canary.StageVariableOverrides ?? [])
        {
            overrides[name] = value;
        }

        var node = new JsonObject
        {
            ["deployment"] = canary.Deployment,
            ["percentTraffic"] = canary.PercentTraffic,
            ["stageVariableOverrides"] = overrides,
            ["useStageCache"] = canary.UseStageCache,
        };
        if (canary.StickyHeader is not null || canary.StickyCookie is not null)
        {
            node["sticky"] = canary.StickyHeader is not null ? new JsonObject { ["header"] = canary.StickyHeader } : new JsonObject { ["cookie"] = canary.StickyCookie };
        }

        return node;
    }

    private int HighestId(string api)
    {
        int highest = 0;
        foreach (int id in Ids(ApiDirectory(api)))
        {
            highest = Math.Max(highest, id);
        }

        return highest;
    }

    private static List<int> Ids(string directory)
    {
        var ids = new List<int>();
        if (!System.IO.Directory.Exists(directory))
        {
            return ids;
        }

        foreach (string file in System.IO.Directory.GetFiles(directory, "*.json"))
        {
            if (int.TryParse(Path.GetFileNameWithoutExtension(file), NumberStyles.None, CultureInfo.InvariantCulture, out int id) && id > 0)
            {
                ids.Add(id);
            }
        }

        ids.Sort();
        return ids;
    }

    private static byte[] Serialize(Deployment deployment)
    {
        var node = new JsonObject
        {
            ["id"] = deployment.Id,
            ["api"] = deployment.Api,
            ["createdDate"] = deployment.CreatedDate,
            ["description"] = deployment.Description,
            ["config"] = JsonNode.Parse(deployment.ConfigJson),
        };
        return Encoding.UTF8.GetBytes(node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }
}
