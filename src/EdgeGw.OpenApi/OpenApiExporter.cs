using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeGw.OpenApi;

/// <summary>
/// Writes one HTTP API of an EdgeGw config (the JSON as written) as an OpenAPI 3.0 document with API Gateway's
/// extensions, in the form <see cref="OpenApiImporter"/> reads back into the same config.
/// </summary>
public sealed partial class OpenApiExporter
{
    private const string ApiKeyScheme = "api_key";
    private const string SigV4Scheme = "sigv4";

    /// <summary>Route and API keys that have an OpenAPI counterpart (the others are reported).</summary>
    private static readonly string[] ExportedRouteKeys = ["key", "integration", "apiKeyRequired", "authorizationType", "authorizer", "authorizationScopes", "requestValidator"];
    private static readonly string[] ExportedApiKeys = ["name", "stages", "routes", "cors", "gatewayResponses", "authorizers", "models", "minimumCompressionSize", "protocol", "apiKeySource"];

    private readonly JsonObject _config;
    private readonly ExportOptions _options;
    private readonly List<string> _warnings = [];
    private readonly Dictionary<string, JsonObject> _clusters = new(StringComparer.Ordinal);

    private OpenApiExporter(JsonObject config, ExportOptions options)
    {
        _config = config;
        _options = options;
        foreach (var cluster in config["clusters"] as JsonArray ?? [])
        {
            if (cluster is JsonObject c && c["name"]?.ToString() is { } name)
            {
                _clusters[name] = c;
            }
        }
    }

    public static ExportResult Export(JsonObject config, ExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var exporter = new OpenApiExporter(config, options ?? new ExportOptions());
        var document = exporter.Build(out string? error);
        return new ExportResult(document, exporter._warnings, error);
    }

    private void Warn(string path, string message) => _warnings.Add($"{path}: {message}");

    private JsonObject? Build(out string? error)
    {
        var apis = _config["apis"] as JsonArray ?? [];
        int index = -1;
        for (int i = 0; i < apis.Count; i++)
        {
            var candidate = apis[i] as JsonObject;
            bool http = (candidate?["protocol"]?.ToString() ?? "http") == "http";
            if (_options.ApiName is { } wanted ? candidate?["name"]?.ToString() == wanted : http)
            {
                if (!http)
                {
                    error = $"API '{_options.ApiName}' is a WebSocket API: OpenAPI describes HTTP APIs only";
                    return null;
                }

                if (index >= 0 && _options.ApiName is null)
                {
                    error = "the config has several HTTP APIs: name one with --api";
                    return null;
                }

                index = i;
            }
        }

        if (index < 0)
        {
            error = _options.ApiName is { } name ? $"no API named '{name}'" : "the config has no HTTP API";
            return null;
        }

        var api = (JsonObject)apis[index]!;
        string at = $"apis[{index}]";
        error = null;
        foreach (var (key, _) in api)
        {
            if (Array.IndexOf(ExportedApiKeys, key) < 0)
            {
                Warn($"{at}.{key}", "has no OpenAPI counterpart: not exported");
            }
        }

        if (_options.Stage is { } wantedStage && !((api["stages"] as JsonArray) ?? []).Any(st => st?["name"]?.ToString() == wantedStage))
        {
            error = $"API '{api["name"]}' has no stage '{wantedStage}'";
            return null;
        }

        var document = new JsonObject
        {
            ["openapi"] = "3.0.1",
            ["info"] = new JsonObject { ["title"] = api["name"]?.ToString() ?? "api", ["version"] = "1.0" },
        };
        string stage = Stage(api, at);
        document["servers"] = new JsonArray(stage.Length == 0
            ? new JsonObject { ["url"] = "/" }
            : new JsonObject { ["url"] = "/{basePath}", ["variables"] = new JsonObject { ["basePath"] = new JsonObject { ["default"] = stage } } });

        var components = new JsonObject();
        var schemes = new JsonObject();
        var paths = new JsonObject();
        var validators = new SortedDictionary<string, (bool Body, bool Parameters)>(StringComparer.Ordinal);
        var routes = api["routes"] as JsonArray ?? [];
        for (int i = 0; i < routes.Count; i++)
        {
            if (routes[i] is JsonObject route)
            {
                ExportRoute(route, $"{at}.routes[{i}]", paths, schemes, validators);
            }
        }

        document["paths"] = paths;
        ExportAuthorizers(api, at, schemes);
        if (ExportModels(api) is { Count: > 0 } schemas)
        {
            components["schemas"] = schemas;
        }

        if (schemes.Count > 0)
        {
            components["securitySchemes"] = schemes;
        }

        if (components.Count > 0)
        {
            document["components"] = components;
        }

        if (_options.AwsExtensions)
        {
            ExportApiExtensions(api, document, validators);
        }

        return document;
    }

    private string Stage(JsonObject api, string at)
    {
        var stages = api["stages"] as JsonArray ?? [];
        string? chosen = _options.Stage;
        if (chosen is null)
        {
            chosen = (stages.Count > 0 ? stages[0]?["name"]?.ToString() : null) ?? "$default";
            if (stages.Count > 1)
            {
                Warn($"{at}.stages", $"an OpenAPI document has one stage: '{chosen}' is written (choose with --stage)");
            }
        }

        foreach (var stage in stages)
        {
            if (stage?["name"]?.ToString() == chosen && stage is JsonObject s)
            {
                foreach (var (key, _) in s)
                {
                    if (key != "name")
                    {
                        Warn($"{at}.stages.{chosen}.{key}", "stage settings are not part of an OpenAPI document: not exported");
                    }
                }
            }
        }

        return chosen == "$default" ? "" : chosen;
    }

    private void ExportRoute(JsonObject route, string at, JsonObject paths, JsonObject schemes, SortedDictionary<string, (bool, bool)> validators)
    {
        foreach (var (routeSetting, _) in route)
        {
            if (Array.IndexOf(ExportedRouteKeys, routeSetting) < 0)
            {
                Warn($"{at}.{routeSetting}", "has no OpenAPI counterpart: not exported");
            }
        }

        string key = route["key"]?.ToString() ?? "";
        string method, path;
        if (key == "$default")
        {
            (method, path) = ("ANY", "/$default");
        }
        else
        {
            int space = key.IndexOf(' ', StringComparison.Ordinal);
            (method, path) = space < 0 ? ("ANY", key) : (key[..space].ToUpperInvariant(), key[(space + 1)..]);
        }

        if (paths[path] is not JsonObject item)
        {
            item = [];
            paths[path] = item;
        }

        var operation = new JsonObject();
        var parameters = new JsonArray();
        foreach (string name in PathParameters(path))
        {
            parameters.Add(new JsonObject { ["name"] = name, ["in"] = "path", ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string" } });
        }

        ExportValidator(route, operation, parameters, validators);
        if (parameters.Count > 0)
        {
            operation.Insert(0, "parameters", parameters);
        }

        operation["responses"] = new JsonObject { ["default"] = new JsonObject { ["description"] = "Default response" } };
        ExportSecurity(route, operation, schemes);
        if (_options.AwsExtensions && route["integration"] is JsonObject integration)
        {
            operation["x-amazon-apigateway-integration"] = integration["type"]?.ToString() == "lambda"
                ? ExportLambda(integration, operation, $"{at}.integration")
                : ExportIntegration(integration, method, $"{at}.integration");
        }

        if (method == "ANY" && !_options.AwsExtensions)
        {
            // Plain OpenAPI has no catch-all method: every method the path does not route otherwise.
            foreach (string each in (string[])["get", "put", "post", "delete", "options", "head", "patch"])
            {
                if (!item.ContainsKey(each))
                {
                    item[each] = operation.DeepClone();
                }
            }

            return;
        }

        item[method == "ANY" ? "x-amazon-apigateway-any-method" : method.ToLowerInvariant()] = operation;
    }

    private static List<string> PathParameters(string path)
    {
        var names = new List<string>();
        foreach (string segment in path.Split('/'))
        {
            if (segment.Length > 2 && segment[0] == '{' && segment[^1] == '}')
            {
                names.Add(segment[1..^1].TrimEnd('+'));
            }
        }

        return names;
    }

    private void ExportSecurity(JsonObject route, JsonObject operation, JsonObject schemes)
    {
        var requirement = new JsonObject();
        if (route["authorizer"]?.ToString() is { } authorizer)
        {
            requirement[authorizer] = route["authorizationScopes"]?.DeepClone() ?? new JsonArray();
        }
        else if (route["authorizationType"]?.ToString() == "AWS_IAM")
        {
            requirement[SigV4Scheme] = new JsonArray();
            schemes[SigV4Scheme] = new JsonObject { ["type"] = "apiKey", ["name"] = "Authorization", ["in"] = "header" };
            if (_options.AwsExtensions)
            {
                schemes[SigV4Scheme]!["x-amazon-apigateway-authtype"] = "awsSigv4";
            }
        }

        if (route["apiKeyRequired"]?.ToString() is "true" or "True")
        {
            requirement[ApiKeyScheme] = new JsonArray();
            schemes[ApiKeyScheme] = new JsonObject
            {
                ["type"] = "apiKey", ["name"] = _config["apiKeys"]?["header"]?.ToString() ?? "x-api-key", ["in"] = "header",
            };
        }

        if (requirement.Count > 0)
        {
            operation["security"] = new JsonArray(requirement);
        }
    }

    internal static string Serialize(JsonNode node) => node.ToJsonString(new JsonSerializerOptions());
}
