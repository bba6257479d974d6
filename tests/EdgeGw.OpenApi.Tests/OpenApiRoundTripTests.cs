using System.Text.Json.Nodes;

namespace EdgeGw.OpenApi.Tests;

/// <summary>import(export(config)) is the config: a property over seeded generated configs.</summary>
public sealed class OpenApiRoundTripTests
{
    public static TheoryData<int> Seeds()
    {
        var seeds = new TheoryData<int>();
        for (int seed = 1; seed <= 200; seed++)
        {
            seeds.Add(seed);
        }

        return seeds;
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void ExportThenImport_GivesTheSameConfig(int seed)
    {
        var config = ConfigGenerator.Generate(seed);
        // Every generated config is one the gateway loads (given somewhere to invoke its Lambda functions).
        Fixtures.LoadValid(Invocable(config));

        var exported = OpenApiExporter.Export(config);
        Assert.NotNull(exported.Document);
        // Only a function given as an Invoke-API endpoint is reported: API Gateway could not import it (EdgeGw can).
        Assert.Equal(AllLambdaIntegrations(config).Count(l => !l["function"]!.ToString().StartsWith("arn:", StringComparison.Ordinal)), exported.Warnings.Count);
        Assert.All(exported.Warnings, w => Assert.Contains("is an Invoke-API endpoint, not a function ARN", w, StringComparison.Ordinal));

        var imported = OpenApiImporter.Import("exported.json", System.Text.Encoding.UTF8.GetBytes(exported.ToJson()));
        Assert.True(imported.Config is not null, string.Join("\n", imported.Errors));
        Assert.True(imported.Warnings.Count == 0, $"{string.Join("\n", imported.Warnings)}\n{exported.ToJson()}");
        Assert.Equal(Normalized(config), Normalized(imported.Config!));

        // The YAML form reads back the same.
        var fromYaml = OpenApiImporter.Import("exported.yaml", System.Text.Encoding.UTF8.GetBytes(exported.ToYaml()));
        Assert.True(fromYaml.Config is not null, string.Join("\n", fromYaml.Errors));
        Assert.Equal(Normalized(config), Normalized(fromYaml.Config!));
    }

    [Fact]
    public void Generator_CoversEveryKindOfLambdaIntegration()
    {
        var lambdas = Enumerable.Range(1, 200).Select(ConfigGenerator.Generate).SelectMany(LambdaIntegrations).ToList();
        Assert.Contains(lambdas, l => l["function"]!.ToString().StartsWith("http://", StringComparison.Ordinal));
        Assert.Contains(lambdas, l => l["function"]!.ToString().StartsWith("arn:aws-cn:", StringComparison.Ordinal));
        Assert.Contains(lambdas, l => l["function"]!.ToString().StartsWith("arn:", StringComparison.Ordinal) && l["endpoint"] is null && l["profile"] is null);
        Assert.Contains(lambdas, l => l["endpoint"] is not null && l["profile"] is not null);
        Assert.Contains(lambdas, l => l["payloadFormatVersion"]!.ToString() == "1.0" && l["timeoutMs"] is not null);

        var authorizers = Enumerable.Range(1, 200).Select(ConfigGenerator.Generate).SelectMany(LambdaAuthorizerIntegrations).ToList();
        Assert.Contains(authorizers, l => l["function"]!.ToString().StartsWith("http://", StringComparison.Ordinal));
        Assert.Contains(authorizers, l => l["function"]!.ToString().StartsWith("arn:", StringComparison.Ordinal) && l["endpoint"] is null && l["profile"] is null);
        Assert.Contains(authorizers, l => l["endpoint"] is not null);
        Assert.Contains(authorizers, l => l["profile"] is not null);
    }

    [Fact]
    public void Export_WithoutExtensions_IsPlainOpenApi()
    {
        var exported = OpenApiExporter.Export(ConfigGenerator.Generate(7), new ExportOptions(AwsExtensions: false));
        Assert.DoesNotContain("x-amazon-apigateway", exported.ToJson(), StringComparison.Ordinal);
        var errors = new List<string>();
        var warnings = new List<ImportWarning>();
        Assert.NotNull(OpenApiSource.Check(exported.Document!, errors, warnings));
        Assert.Empty(warnings);
    }

    [Fact]
    public void Export_NamesTheApiAndStage_OrSaysWhyNot()
    {
        var config = ConfigGenerator.Generate(11);
        string name = config["apis"]![0]!["name"]!.ToString();
        string stage = config["apis"]![0]!["stages"]![0]!["name"]!.ToString();
        Assert.NotNull(OpenApiExporter.Export(config, new ExportOptions(name, stage)).Document);
        Assert.Equal("no API named 'other'", OpenApiExporter.Export(config, new ExportOptions("other")).Error);
        Assert.Equal($"API '{name}' has no stage 'nope'", OpenApiExporter.Export(config, new ExportOptions(name, "nope")).Error);
        ((JsonArray)config["apis"]!).Add(ConfigGenerator.Generate(12)["apis"]![0]!.DeepClone());
        Assert.Equal("the config has several HTTP APIs: name one with --api", OpenApiExporter.Export(config).Error);
    }

    [Fact]
    public void Export_ReportsWhatOpenApiCannotHold()
    {
        var config = ConfigGenerator.Generate(3);
        var api = (JsonObject)config["apis"]![0]!;
        api["hosts"] = new JsonArray("api.example.com");
        ((JsonObject)api["routes"]![0]!)["throttle"] = new JsonObject { ["rateLimit"] = 5, ["burstLimit"] = 5 };
        var exported = OpenApiExporter.Export(config);
        Assert.Contains("apis[0].hosts: has no OpenAPI counterpart: not exported", exported.Warnings);
        Assert.Contains("apis[0].routes[0].throttle: has no OpenAPI counterpart: not exported", exported.Warnings);
    }

    /// <summary>
    /// A copy whose Lambda functions by ARN are invoked at an Invoke-API endpoint with no profile: a bare ARN or a
    /// profile needs AWS credentials at load, which this machine may lack (and tests must not set process-wide).
    /// </summary>
    internal static JsonObject Invocable(JsonObject config)
    {
        var copy = config.DeepClone().AsObject();
        foreach (var lambda in AllLambdaIntegrations(copy))
        {
            if (lambda["function"]!.ToString().StartsWith("arn:", StringComparison.Ordinal))
            {
                lambda.Remove("profile");
                lambda["endpoint"] ??= "http://127.0.0.1:3001";
            }
        }

        return copy;
    }

    /// <summary>The routes' lambda integrations and the Lambda request authorizers'.</summary>
    private static IEnumerable<JsonObject> AllLambdaIntegrations(JsonObject config) =>
        LambdaIntegrations(config).Concat(LambdaAuthorizerIntegrations(config));

    private static IEnumerable<JsonObject> LambdaAuthorizerIntegrations(JsonObject config) =>
        config["apis"]!.AsArray().SelectMany(a => a!["authorizers"]?.AsArray() ?? [])
            .Select(r => r!["integration"]).OfType<JsonObject>().Where(i => i["type"]?.ToString() == "lambda");

    private static IEnumerable<JsonObject> LambdaIntegrations(JsonObject config) =>
        config["apis"]!.AsArray().SelectMany(a => a!["routes"]!.AsArray())
            .Select(r => r!["integration"]).OfType<JsonObject>().Where(i => i["type"]?.ToString() == "lambda");

    /// <summary>Keys sorted, and the arrays of named things (routes, clusters, authorizers) sorted by key or name.</summary>
    internal static string Normalized(JsonNode node) => Sort(node)!.ToJsonString();

    private static JsonNode? Sort(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                var sorted = new JsonObject();
                foreach (var (key, value) in o.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    sorted[key] = Sort(value);
                }

                return sorted;
            case JsonArray a:
                var items = a.Select(Sort).ToList();
                if (items.All(i => i is JsonObject io && (io.ContainsKey("key") || io.ContainsKey("name"))))
                {
                    items = items.OrderBy(i => (i!["key"] ?? i["name"])!.ToString(), StringComparer.Ordinal).ToList();
                }

                var list = new JsonArray();
                foreach (var item in items)
                {
                    list.Add(item);
                }

                return list;
            case JsonValue v:
                // Numbers and booleans the config system reads from text compare by their text.
                return v.TryGetValue(out string? text) ? JsonValue.Create(text) : JsonValue.Create(v.ToJsonString());
            default:
                return null;
        }
    }
}
