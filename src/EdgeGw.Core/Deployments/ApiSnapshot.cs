using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Deployments;

/// <summary>
/// What a deployment keeps of an API: its <c>apis[]</c> object from the merged configuration (file, environment,
/// command line), without <c>stages</c> (a stage is not part of a deployment, as in AWS), values as the configuration
/// holds them (strings). Read back through the same API section reader as the file.
/// </summary>
internal static class ApiSnapshot
{
    /// <summary>The <c>apis[]</c> entry named <paramref name="api"/>, as JSON; null when there is none.</summary>
    public static string? Render(IConfiguration configuration, string api)
    {
        foreach (var entry in configuration.GetSection("apis").GetChildren())
        {
            if (entry["name"] == api)
            {
                var node = (JsonObject)Node(entry);
                node.Remove("stages");
                return node.ToJsonString();
            }
        }

        return null;
    }

    /// <summary>A snapshot as configuration, for the API section's reader.</summary>
    public static IConfigurationSection Read(string json)
    {
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes($"{{\"api\":{json}}}"));
        return new ConfigurationBuilder().AddJsonStream(stream).Build().GetSection("api");
    }

    private static JsonNode Node(IConfigurationSection section)
    {
        var children = section.GetChildren().ToList();
        if (children.Count > 0 && children.All(c => int.TryParse(c.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            var array = new JsonArray();
            foreach (var child in children.OrderBy(c => int.Parse(c.Key, CultureInfo.InvariantCulture)))
            {
                array.Add(Child(child));
            }

            return array;
        }

        var obj = new JsonObject();
        foreach (var child in children)
        {
            obj[child.Key] = Child(child);
        }

        return obj;
    }

    private static JsonNode? Child(IConfigurationSection section) =>
        section.GetChildren().Any() ? Node(section) : section.Value is { } value ? JsonValue.Create(value) : new JsonObject();
}
