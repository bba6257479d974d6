using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace EdgeGw.OpenApi;

/// <summary>
/// Converts an OpenAPI document with API Gateway's <c>x-amazon-apigateway-*</c> extensions into an EdgeGw config
/// (<c>clusters</c> and one API in <c>apis</c>), in the shape the config loader reads. What EdgeGw has no
/// counterpart for is never dropped silently: each is an <see cref="ImportWarning"/> with its JSON pointer.
/// One instance per document (it collects as it walks).
/// </summary>
public sealed partial class OpenApiImporter
{
    internal const string Aws = "x-amazon-apigateway-";

    /// <summary>Operation keys of a path item, and API Gateway's catch-all method.</summary>
    private static readonly string[] Methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
    private const string AnyMethod = "x-amazon-apigateway-any-method";

    /// <summary>Top-level extensions read (the others are reported).</summary>
    private static readonly string[] TopLevelExtensions =
    [
        "x-amazon-apigateway-cors", "x-amazon-apigateway-gateway-responses", "x-amazon-apigateway-request-validators",
        "x-amazon-apigateway-request-validator", "x-amazon-apigateway-binary-media-types", "x-amazon-apigateway-api-key-source",
        "x-amazon-apigateway-minimum-compression-size", "x-amazon-apigateway-importexport-version", "x-amazon-apigateway-integrations",
    ];

    private readonly JsonObject _root;
    private readonly ImportOptions _options;
    private readonly List<ImportWarning> _warnings = [];
    private readonly JsonArray _clusters = [];
    private readonly Dictionary<string, string> _clusterByDestination = new(StringComparer.OrdinalIgnoreCase);
    private readonly SortedSet<string> _stageVariables = new(StringComparer.Ordinal);
    private bool _swagger2;

    private OpenApiImporter(JsonObject root, ImportOptions options)
    {
        _root = root;
        _options = options;
    }

    /// <summary>Reads and converts the file at <paramref name="path"/>.</summary>
    public static ImportResult ImportFile(string path, ImportOptions? options = null)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new ImportResult(null, [], [$"{path}: {(e is FileNotFoundException or DirectoryNotFoundException ? "file not found" : e.Message)}"]);
        }

        return Import(path, bytes, options);
    }

    /// <param name="name">The file name, for messages.</param>
    public static ImportResult Import(string name, byte[] bytes, ImportOptions? options = null)
    {
        var document = OpenApiSource.Parse(name, bytes, out string? error);
        return document is null ? new ImportResult(null, [], [error!]) : Import(document, options);
    }

    public static ImportResult Import(JsonObject document, ImportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(document);
        var errors = new List<string>();
        if (!OpenApiSource.IsOpenApi(document))
        {
            return new ImportResult(null, [], ["/: not an OpenAPI document (no top-level \"openapi\" or \"swagger\" key)"]);
        }

        var importer = new OpenApiImporter(document, options ?? new ImportOptions());
        var version = OpenApiSource.Check(document, errors, importer._warnings);
        if (version is null)
        {
            if (errors.Count == 0)
            {
                errors.Add("/: not an OpenAPI 2.0, 3.0 or 3.1 document");
            }

            return new ImportResult(null, importer._warnings, errors);
        }

        importer._swagger2 = version == OpenApiSpecVersion.OpenApi2_0;
        var config = importer.Convert();
        return new ImportResult(config, importer._warnings, []);
    }

    private void Warn(string pointer, string message) => _warnings.Add(new ImportWarning(pointer, message));

    private JsonObject Convert()
    {
        var (stage, prefix) = ReadStage();
        var api = new JsonObject { ["name"] = ApiName() };
        var stageObject = new JsonObject { ["name"] = stage };
        api["stages"] = new JsonArray(stageObject);

        ReadApiSettings(api);
        var security = ReadSecuritySchemes(api);
        var routes = new JsonArray();
        var models = new JsonObject();
        if (Object(_root, "paths") is { } paths)
        {
            foreach (var (path, value) in paths)
            {
                string pointer = JsonPointer.Append("/paths", path);
                if (path.StartsWith("x-", StringComparison.Ordinal))
                {
                    WarnExtension(pointer, path);
                    continue;
                }

                if (Resolve(value, pointer, out string itemPointer) is not JsonObject item)
                {
                    continue;
                }

                ReadPathItem(prefix + path, item, itemPointer, security, routes, models);
            }
        }

        if (models.Count > 0)
        {
            api["models"] = models;
        }

        api["routes"] = routes;
        if (_stageVariables.Count > 0)
        {
            var variables = new JsonObject();
            foreach (string variable in _stageVariables)
            {
                variables[variable] = "";
            }

            stageObject["variables"] = variables;
            Warn("", $"stage variables {string.Join(", ", _stageVariables)} are used but an OpenAPI document holds no values: each is set to \"\" on stage '{stage}' (apis[0].stages[0].variables)");
        }

        var config = new JsonObject();
        if (_clusters.Count > 0)
        {
            config["clusters"] = _clusters;
        }

        if (security.ApiKeyHeader is { } header && !header.Equals("x-api-key", StringComparison.OrdinalIgnoreCase))
        {
            config["apiKeys"] = new JsonObject { ["header"] = header };
        }

        config["apis"] = new JsonArray(api);
        return config;
    }

    private string ApiName()
    {
        if (_options.ApiName is { Length: > 0 } name)
        {
            return name;
        }

        string title = Object(_root, "info")?["title"]?.ToString() ?? "";
        var text = new StringBuilder();
        foreach (char c in title.Trim().ToLowerInvariant())
        {
            text.Append(char.IsAsciiLetterOrDigit(c) || c is '_' ? c : '-');
        }

        string result = text.ToString().Trim('-');
        return result.Length == 0 ? "api" : result;
    }

    /// <summary>The stage and the path prefix routes get (the server path after the stage, AWS's <c>basepath=split</c>).</summary>
    private (string Stage, string Prefix) ReadStage()
    {
        string path = "";
        string? fromVariable = null;
        if (_swagger2)
        {
            path = _root["basePath"]?.ToString() ?? "";
        }
        else if (_root["servers"] is JsonArray { Count: > 0 } servers && servers[0] is JsonObject server)
        {
            string url = server["url"]?.ToString() ?? "";
            if (Object(server, "variables") is { } variables)
            {
                foreach (var (variable, spec) in variables)
                {
                    string value = (spec as JsonObject)?["default"]?.ToString() ?? "";
                    if (variable == "basePath")
                    {
                        fromVariable = value.Trim('/');
                    }

                    url = url.Replace("{" + variable + "}", value, StringComparison.Ordinal);
                }
            }

            int scheme = url.IndexOf("://", StringComparison.Ordinal);
            path = scheme < 0 ? url : url.IndexOf('/', scheme + 3) is int slash and >= 0 ? url[slash..] : "";
            if (servers.Count > 1)
            {
                Warn("/servers/1", "only the first server decides the stage; the others are not used");
            }
        }

        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        string stage = _options.Stage ?? (fromVariable is { Length: > 0 } v ? v.Split('/')[0] : segments.Length > 0 ? segments[0] : "$default");
        string prefix = "";
        if (segments.Length > 1 && _options.Stage is null)
        {
            prefix = "/" + string.Join('/', segments[1..]);
            Warn(_swagger2 ? "/basePath" : "/servers/0/url", $"the base path has more than one segment: '{segments[0]}' is the stage and '{prefix}' is put before every route's path");
        }

        return (stage, prefix);
    }

    private void ReadPathItem(string path, JsonObject item, string pointer, SecuritySchemes security, JsonArray routes, JsonObject models)
    {
        var pathParameters = item["parameters"] as JsonArray;
        foreach (var (key, value) in item)
        {
            string opPointer = JsonPointer.Append(pointer, key);
            string? method = key == AnyMethod ? "ANY" : Array.IndexOf(Methods, key) >= 0 ? key.ToUpperInvariant() : null;
            if (method is null)
            {
                if (key.StartsWith("x-", StringComparison.Ordinal))
                {
                    WarnExtension(opPointer, key);
                }
                else if (key == "servers")
                {
                    Warn(opPointer, "per-path servers are not used");
                }

                continue;
            }

            if (method == "TRACE")
            {
                Warn(opPointer, "TRACE is not routed by EdgeGw: operation not imported");
                continue;
            }

            if (value is not JsonObject operation)
            {
                continue;
            }

            // An HTTP API's $default route is exported as the path /$default with the any-method.
            string routeKey = path.EndsWith("/$default", StringComparison.Ordinal) && method == "ANY" ? "$default" : $"{method} {path}";
            if (ReadOperation(routeKey, operation, opPointer, pathParameters, JsonPointer.Append(pointer, "parameters"), security, models) is { } route)
            {
                routes.Add(route);
            }
        }
    }

    private JsonObject? ReadOperation(string routeKey, JsonObject operation, string pointer, JsonArray? pathParameters, string pathParametersPointer,
        SecuritySchemes security, JsonObject models)
    {
        foreach (var (key, _) in operation)
        {
            if (key.StartsWith("x-", StringComparison.Ordinal) && key is not "x-amazon-apigateway-integration" and not "x-amazon-apigateway-request-validator" and not "x-amazon-apigateway-auth")
            {
                WarnExtension(JsonPointer.Append(pointer, key), key);
            }
            else if (key == "x-amazon-apigateway-auth")
            {
                Warn(JsonPointer.Append(pointer, key), "x-amazon-apigateway-auth is not read: use security requirements");
            }
        }

        string integrationPointer = JsonPointer.Append(pointer, "x-amazon-apigateway-integration");
        if (Resolve(operation["x-amazon-apigateway-integration"], integrationPointer, out integrationPointer) is not JsonObject awsIntegration)
        {
            Warn(pointer, "no x-amazon-apigateway-integration: operation not imported");
            return null;
        }

        var parameters = CollectParameters(operation, pointer, pathParameters, pathParametersPointer);
        var route = new JsonObject { ["key"] = routeKey };
        string lambdaPointer = JsonPointer.Append(pointer, LambdaExtension);
        var lambda = operation[LambdaExtension] as JsonObject;
        if (lambda is null && operation.ContainsKey(LambdaExtension))
        {
            Warn(lambdaPointer, $"{LambdaExtension} is not an object: ignored");
        }

        var integration = ReadIntegration(routeKey, awsIntegration, integrationPointer, parameters, lambda, lambdaPointer);
        if (integration is null)
        {
            return null;
        }

        if (!ApplySecurity(route, operation, pointer, security))
        {
            return null;
        }

        ApplyValidator(route, operation, pointer, parameters, models, routeKey);
        route["integration"] = integration;
        return route;
    }

    private void WarnExtension(string pointer, string key)
    {
        if (key.StartsWith(Aws, StringComparison.Ordinal))
        {
            Warn(pointer, $"{key} is not supported by EdgeGw: ignored");
        }
    }

    /// <summary>The node a local <c>$ref</c> points to (and its pointer), or the node itself.</summary>
    private JsonNode? Resolve(JsonNode? node, string pointer, out string resolvedPointer)
    {
        resolvedPointer = pointer;
        for (int depth = 0; depth < 16 && node is JsonObject o && o["$ref"]?.ToString() is { } reference; depth++)
        {
            var tokens = JsonPointer.LocalTokens(reference);
            if (tokens is null)
            {
                Warn(JsonPointer.Append(pointer, "$ref"), $"'{reference}' is not a reference inside the document: not followed");
                return null;
            }

            JsonNode? target = _root;
            string targetPointer = "";
            foreach (string token in tokens)
            {
                target = target is JsonObject parent ? parent[token] : target is JsonArray array && int.TryParse(token, out int i) && i < array.Count ? array[i] : null;
                targetPointer = JsonPointer.Append(targetPointer, token);
            }

            node = target;
            resolvedPointer = targetPointer;
        }

        return node;
    }

    internal static JsonObject? Object(JsonObject? parent, string key) => parent?[key] as JsonObject;

    internal static string? Text(JsonNode? node) => node switch
    {
        null => null,
        JsonValue value when value.TryGetValue(out string? s) => s,
        JsonValue value => value.ToJsonString(),
        _ => node.ToJsonString(),
    };

    internal static int? Integer(JsonNode? node) =>
        Text(node) is { } text && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) ? value : null;

    internal static bool? Boolean(JsonNode? node) => Text(node) switch
    {
        "true" or "True" => true,
        "false" or "False" => false,
        _ => null,
    };
}
