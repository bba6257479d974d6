using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeGw.Core.Configuration;

namespace EdgeGw.OpenApi.Tests;

/// <summary>The fixture files, and the real config loader run over a converted config.</summary>
internal static class Fixtures
{
    public static string Path(string name) => System.IO.Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public static ImportResult Import(string name, ImportOptions? options = null)
    {
        var result = OpenApiImporter.ImportFile(Path(name), options);
        Assert.True(result.Config is not null, string.Join("\n", result.Errors));
        return result;
    }

    /// <summary>Loads the config as <c>edgegw run</c> would (the same loader, validation and compilation).</summary>
    public static ConfigLoadResult Load(JsonObject config, params string[] overrides)
    {
        using var json = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(config));
        return GatewayConfigLoader.Load(GatewayConfiguration.Build(null, json, overrides, environment: new Dictionary<string, string>()));
    }

    public static ConfigLoadResult LoadValid(JsonObject config, params string[] overrides)
    {
        var result = Load(config, overrides);
        Assert.True(result.Model is not null, $"{result.Format()}\n{config.ToJsonString(new JsonSerializerOptions { WriteIndented = true })}");
        return result;
    }

    public static JsonObject Api(ImportResult result) => (JsonObject)result.Config!["apis"]![0]!;

    public static JsonObject Route(ImportResult result, string key)
    {
        foreach (var route in (JsonArray)Api(result)["routes"]!)
        {
            if (route!["key"]!.ToString() == key)
            {
                return (JsonObject)route;
            }
        }

        throw new Xunit.Sdk.XunitException($"no route '{key}' in {result.ToJson()}");
    }

    public static void HasWarning(ImportResult result, string pointer, string containing) =>
        Assert.True(
            result.Warnings.Any(w => w.Pointer == pointer && w.Message.Contains(containing, StringComparison.Ordinal)),
            $"no warning at {pointer} containing '{containing}'; warnings:\n{string.Join("\n", result.Warnings)}");
}
