using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeGw.OpenApi;

/// <summary>Integrations, authorizers, models and validators, CORS and gateway responses as API Gateway's extensions.</summary>
public sealed partial class OpenApiExporter
{
    private JsonObject ExportIntegration(JsonObject integration, string method, string at)
    {
        string type = integration["type"]?.ToString() ?? "";
        if (type == "mock")
        {
            int status = int.TryParse(integration["status"]?.ToString(), out int s) ? s : 200;
            var response = new JsonObject { ["statusCode"] = status.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            if (integration["headers"] is JsonObject headers && headers.Count > 0)
            {
                var parameters = new JsonObject();
                foreach (var (name, value) in headers)
                {
                    parameters[$"method.response.header.{name}"] = $"'{value}'";
                }

                response["responseParameters"] = parameters;
            }

            if (integration["body"]?.ToString() is { Length: > 0 } body)
            {
                response["responseTemplates"] = new JsonObject { ["application/json"] = body };
            }

            return new JsonObject
            {
                ["type"] = "mock",
                ["requestTemplates"] = new JsonObject { ["application/json"] = $"{{\"statusCode\": {status}}}" },
                ["responses"] = new JsonObject { ["default"] = response },
            };
        }

        var result = new JsonObject { ["type"] = "http_proxy", ["httpMethod"] = method, ["uri"] = BackendUrl(integration["cluster"]?.ToString(), integration["uri"]?.ToString(), $"{at}.cluster") };
        if (integration["timeoutMs"] is { } timeout)
        {
            result["timeoutInMillis"] = int.TryParse(timeout.ToString(), out int ms) ? ms : 29000;
        }

        result["connectionType"] = "INTERNET";
        foreach (string key in (string[])["requestParameters", "responseParameters"])
        {
            if (integration[key] is JsonObject mapping)
            {
                result[key] = mapping.DeepClone();
            }
        }

        return result;
    }

    /// <summary>The URL a cluster and path stand for (its first destination; a cluster is a pool, a URI one backend).</summary>
    private string BackendUrl(string? clusterName, string? path, string at)
    {
        string destination = "backend.invalid:80";
        if (clusterName is not null && _clusters.TryGetValue(clusterName, out var cluster) && cluster["destinations"] is JsonArray { Count: > 0 } destinations)
        {
            destination = destinations[0]!.ToString();
            if (destinations.Count > 1)
            {
                Warn(at, $"cluster '{clusterName}' has {destinations.Count} destinations: an integration URI names one, the first is written");
            }
        }
        else
        {
            Warn(at, $"cluster '{clusterName}' has no destination");
        }

        string url;
        if (destination.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || destination.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            url = destination.TrimEnd('/');
        }
        else
        {
            url = "http://" + (destination.EndsWith(":80", StringComparison.Ordinal) ? destination[..^3] : destination);
        }

        return url + (path ?? "");
    }

    private void ExportAuthorizers(JsonObject api, string at, JsonObject schemes)
    {
        var authorizers = api["authorizers"] as JsonArray ?? [];
        for (int i = 0; i < authorizers.Count; i++)
        {
            if (authorizers[i] is not JsonObject authorizer || authorizer["name"]?.ToString() is not { } name)
            {
                continue;
            }

            string path = $"{at}.authorizers[{i}]";
            foreach (var (key, _) in authorizer)
            {
                if (key is not ("name" or "type" or "identitySource" or "jwt" or "integration" or "payloadFormatVersion" or "enableSimpleResponses" or "resultTtlSeconds"))
                {
                    Warn($"{path}.{key}", "has no API Gateway counterpart: not exported");
                }
            }

            var sources = authorizer["identitySource"] switch
            {
                JsonArray list => list.Select(n => n!.ToString()).ToList(),
                JsonNode one => [one.ToString()],
                null => [],
            };
            string header = sources.FirstOrDefault(s => s.StartsWith("$request.header.", StringComparison.Ordinal))?["$request.header.".Length..] ?? "Authorization";
            var scheme = new JsonObject { ["type"] = "apiKey", ["name"] = header, ["in"] = "header" };
            var aws = new JsonObject();
            string type = authorizer["type"]?.ToString() ?? "";
            if (type == "jwt")
            {
                aws["type"] = "jwt";
                if (authorizer["identitySource"] is { } identity)
                {
                    aws["identitySource"] = identity is JsonArray ? string.Join(',', sources) : identity.ToString();
                }

                var jwt = authorizer["jwt"] as JsonObject ?? [];
                foreach (var (key, _) in jwt)
                {
                    if (key is not ("issuer" or "audience"))
                    {
                        Warn($"{path}.jwt.{key}", "has no API Gateway counterpart: not exported");
                    }
                }

                aws["jwtConfiguration"] = new JsonObject { ["issuer"] = jwt["issuer"]?.DeepClone(), ["audience"] = jwt["audience"]?.DeepClone() };
            }
            else
            {
                if (_options.AwsExtensions)
                {
                    scheme["x-amazon-apigateway-authtype"] = "custom";
                }
                aws["type"] = "request";
                if (sources.Count > 0)
                {
                    aws["identitySource"] = string.Join(',', sources);
                }

                var integration = authorizer["integration"] as JsonObject ?? [];
                if (integration["timeoutMs"] is not null)
                {
                    Warn($"{path}.integration.timeoutMs", "has no API Gateway counterpart: not exported");
                }

                aws["authorizerUri"] = integration["type"]?.ToString() == "lambda"
                    ? ExportLambdaAuthorizer(integration, scheme, $"{path}.integration")
                    : BackendUrl(integration["cluster"]?.ToString(), integration["uri"]?.ToString(), $"{path}.integration.cluster");
                if (authorizer["payloadFormatVersion"] is { } version)
                {
                    aws["authorizerPayloadFormatVersion"] = version.ToString();
                }

                if (authorizer["enableSimpleResponses"] is { } simple)
                {
                    aws["enableSimpleResponses"] = simple.ToString() is "true" or "True";
                }

                if (authorizer["resultTtlSeconds"] is { } ttl && int.TryParse(ttl.ToString(), out int seconds))
                {
                    aws["authorizerResultTtlInSeconds"] = seconds;
                }
            }

            if (_options.AwsExtensions)
            {
                scheme["x-amazon-apigateway-authorizer"] = aws;
            }

            schemes[name] = scheme;
        }
    }

    /// <summary>Models as component schemas: their <c>definitions</c> become sibling schemas, referred to there.</summary>
    private JsonObject ExportModels(JsonObject api)
    {
        var schemas = new JsonObject();
        foreach (var (name, value) in api["models"] as JsonObject ?? [])
        {
            JsonNode? schema = value switch
            {
                JsonValue text when text.TryGetValue(out string? json) => ParseOrNull(json),
                JsonObject o => o.DeepClone(),
                _ => null,
            };
            if (schema is not JsonObject model)
            {
                Warn($"models.{name}", "not a JSON Schema object: not exported");
                continue;
            }

            model.Remove("$schema");
            if (model["definitions"] is JsonObject definitions)
            {
                model.Remove("definitions");
                foreach (var (definition, body) in definitions.ToList())
                {
                    definitions.Remove(definition);
                    schemas[definition] ??= RewriteReferences(body!);
                }
            }

            schemas[name] = RewriteReferences(model);
        }

        return schemas;
    }

    private static JsonNode? ParseOrNull(string json)
    {
        try
        {
            return JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonNode RewriteReferences(JsonNode node)
    {
        switch (node)
        {
            case JsonObject o:
                var copy = new JsonObject();
                foreach (var (key, value) in o)
                {
                    copy[key] = key == "$ref" && value?.ToString() is { } reference && reference.StartsWith("#/definitions/", StringComparison.Ordinal)
                        ? "#/components/schemas/" + reference["#/definitions/".Length..]
                        : value is null ? null : RewriteReferences(value);
                }

                return copy;
            case JsonArray a:
                var list = new JsonArray();
                foreach (var item in a)
                {
                    list.Add(item is null ? null : RewriteReferences(item));
                }

                return list;
            default:
                return node.DeepClone();
        }
    }

    private void ExportValidator(JsonObject route, JsonObject operation, JsonArray parameters, SortedDictionary<string, (bool Body, bool Parameters)> validators)
    {
        if (route["requestValidator"] is not JsonObject validator)
        {
            return;
        }

        bool body = validator["body"] is not null;
        bool hasParameters = validator["parameters"] is JsonArray { Count: > 0 };
        foreach (var entry in validator["parameters"] as JsonArray ?? [])
        {
            string text = entry!.ToString();
            int dot = text.IndexOf('.', StringComparison.Ordinal);
            string place = text[..dot] switch { "querystring" => "query", var p => p };
            if (place == "path")
            {
                continue;
            }

            parameters.Add(new JsonObject { ["name"] = text[(dot + 1)..], ["in"] = place, ["required"] = true, ["schema"] = new JsonObject { ["type"] = "string" } });
        }

        if (body)
        {
            operation["requestBody"] = new JsonObject
            {
                ["required"] = true,
                ["content"] = new JsonObject
                {
                    ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = $"#/components/schemas/{validator["body"]}" } },
                },
            };
        }

        string name = (body, hasParameters) switch { (true, true) => "all", (true, false) => "body-only", _ => "params-only" };
        validators[name] = (body, hasParameters);
        if (_options.AwsExtensions)
        {
            operation["x-amazon-apigateway-request-validator"] = name;
        }
    }

    private void ExportApiExtensions(JsonObject api, JsonObject document, SortedDictionary<string, (bool Body, bool Parameters)> validators)
    {
        if (api["cors"] is JsonObject cors)
        {
            document["x-amazon-apigateway-cors"] = cors.DeepClone();
        }

        if (api["gatewayResponses"] is JsonObject responses)
        {
            var result = new JsonObject();
            foreach (var (type, node) in responses)
            {
                var response = new JsonObject();
                if (node?["statusCode"] is { } status && int.TryParse(status.ToString(), out int code))
                {
                    response["statusCode"] = code;
                }

                if (node?["headers"] is JsonObject headers && headers.Count > 0)
                {
                    var parameters = new JsonObject();
                    foreach (var (name, value) in headers)
                    {
                        parameters[$"gatewayresponse.header.{name}"] = $"'{value}'";
                    }

                    response["responseParameters"] = parameters;
                }

                if (node?["body"] is { } body)
                {
                    response["responseTemplates"] = new JsonObject { ["application/json"] = body.ToString() };
                }

                result[type] = response;
            }

            document["x-amazon-apigateway-gateway-responses"] = result;
        }

        if (api["minimumCompressionSize"] is { } minimum && int.TryParse(minimum.ToString(), out int size))
        {
            document["x-amazon-apigateway-minimum-compression-size"] = size;
        }

        if (api["apiKeySource"]?.ToString() is { } apiKeySource)
        {
            document["x-amazon-apigateway-api-key-source"] = apiKeySource;
        }

        if (validators.Count > 0)
        {
            var result = new JsonObject();
            foreach (var (name, (body, parameters)) in validators)
            {
                result[name] = new JsonObject { ["validateRequestBody"] = body, ["validateRequestParameters"] = parameters };
            }

            document["x-amazon-apigateway-request-validators"] = result;
        }

        document["x-amazon-apigateway-importexport-version"] = "1.0";
    }
}
