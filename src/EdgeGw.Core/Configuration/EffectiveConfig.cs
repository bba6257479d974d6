using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Configuration;

/// <summary>
/// The merged configuration (file, then <c>EDGEGW_</c> environment variables, then the command line) as JSON
/// for <c>GET /config</c>, with its secrets replaced by <see cref="Redacted"/>: each <c>apiKeys.keys[].value</c>
/// and <c>.sha256</c>, and the <c>password=</c> option of <c>redis.configuration</c>. Keys ending in <c>File</c>
/// (<c>admin.tokenFile</c>) hold paths and are shown; what is read from those files never enters the configuration.
/// Values are strings, as the configuration system holds them; a section with numeric keys is an array.
/// </summary>
public static class EffectiveConfig
{
    public const string Redacted = "(redacted)";

    public static string Render(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var root = Node(configuration.GetChildren(), "");
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static JsonNode Node(IEnumerable<IConfigurationSection> children, string path)
    {
        var list = children.ToList();
        if (list.Count > 0 && list.All(c => int.TryParse(c.Key, out _)))
        {
            var array = new JsonArray();
            foreach (var child in list.OrderBy(c => int.Parse(c.Key, System.Globalization.CultureInfo.InvariantCulture)))
            {
                array.Add(Child(child, $"{path}[]"));
            }

            return array;
        }

        var obj = new JsonObject();
        foreach (var child in list)
        {
            obj[child.Key] = Child(child, path.Length == 0 ? child.Key : $"{path}.{child.Key}");
        }

        return obj;
    }

    private static JsonNode? Child(IConfigurationSection section, string path)
    {
        var children = section.GetChildren();
        if (children.Any())
        {
            return Node(children, path);
        }

        return section.Value is { } value ? JsonValue.Create(Redact(path, value)) : null;
    }

    /// <summary>The value to show at <paramref name="path"/> (keys compared case-insensitively, as configuration binds them).</summary>
    internal static string Redact(string path, string value)
    {
        if (path.Equals("apiKeys.keys[].value", StringComparison.OrdinalIgnoreCase) || path.Equals("apiKeys.keys[].sha256", StringComparison.OrdinalIgnoreCase))
        {
            return Redacted;
        }

        if (path.Equals("redis.configuration", StringComparison.OrdinalIgnoreCase))
        {
            // StackExchange.Redis: "host:port,option=value,...": only the password option is secret.
            var parts = value.Split(',');
            for (int i = 0; i < parts.Length; i++)
            {
                int eq = parts[i].IndexOf('=');
                if (eq > 0 && parts[i][..eq].Trim().Equals("password", StringComparison.OrdinalIgnoreCase))
                {
                    parts[i] = parts[i][..(eq + 1)] + Redacted;
                }
            }

            return string.Join(',', parts);
        }

        return value;
    }
}
