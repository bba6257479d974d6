using System.Text.Json.Nodes;

namespace EdgeGw.OpenApi;

/// <summary>
/// <c>x-amazon-apigateway-request-validators</c> and <c>-validator</c> → a route's <c>requestValidator</c>; the body's
/// schema (a component schema, or an inline one) → one of the API's <c>models</c>.
/// </summary>
public sealed partial class OpenApiImporter
{
    /// <summary>OpenAPI's schema keywords that are not JSON Schema's (dropped from models).</summary>
    private static readonly string[] OpenApiOnlyKeywords = ["nullable", "discriminator", "xml", "externalDocs", "example", "readOnly", "writeOnly", "deprecated"];

    private sealed record OperationParameters(List<(string In, string Name, bool Required)> Items, JsonNode? BodySchema, string BodyPointer);

    private OperationParameters CollectParameters(JsonObject operation, string pointer, JsonArray? pathParameters, string pathParametersPointer)
    {
        var items = new List<(string, string, bool)>();
        JsonNode? body = null;
        string bodyPointer = "";
        void Add(JsonArray? list, string listPointer)
        {
            for (int i = 0; list is not null && i < list.Count; i++)
            {
                if (Resolve(list[i], JsonPointer.Append(listPointer, i), out string at) is not JsonObject parameter)
                {
                    continue;
                }

                string place = Text(parameter["in"]) ?? "";
                if (place == "body")
                {
                    body = parameter["schema"];
                    bodyPointer = JsonPointer.Append(at, "schema");
                    continue;
                }

                items.RemoveAll(p => p.Item1 == place && p.Item2 == Text(parameter["name"]));
                items.Add((place, Text(parameter["name"]) ?? "", Boolean(parameter["required"]) ?? false));
            }
        }

        Add(pathParameters, pathParametersPointer);
        Add(operation["parameters"] as JsonArray, JsonPointer.Append(pointer, "parameters"));
        if (Resolve(operation["requestBody"], JsonPointer.Append(pointer, "requestBody"), out string requestBodyPointer) is JsonObject requestBody
            && Object(requestBody, "content") is { } content)
        {
            string media = content.ContainsKey("application/json") ? "application/json" : content.FirstOrDefault().Key;
            if (media is not null && Object(content, media) is { } mediaType)
            {
                body = mediaType["schema"];
                bodyPointer = JsonPointer.Append(JsonPointer.Append(JsonPointer.Append(requestBodyPointer, "content"), media), "schema");
            }
        }

        return new OperationParameters(items, body, bodyPointer);
    }

    private void ApplyValidator(JsonObject route, JsonObject operation, string pointer, OperationParameters parameters, JsonObject models, string routeKey)
    {
        string? name = Text(operation["x-amazon-apigateway-request-validator"]) ?? Text(_root["x-amazon-apigateway-request-validator"]);
        if (name is null)
        {
            return;
        }

        string validatorPointer = operation.ContainsKey("x-amazon-apigateway-request-validator")
            ? JsonPointer.Append(pointer, "x-amazon-apigateway-request-validator")
            : "/x-amazon-apigateway-request-validator";
        if (Object(Object(_root, "x-amazon-apigateway-request-validators"), name) is not { } validator)
        {
            Warn(validatorPointer, $"'{name}' is not in x-amazon-apigateway-request-validators: no validation");
            return;
        }

        var result = new JsonObject();
        if (Boolean(validator["validateRequestBody"]) == true && parameters.BodySchema is { } schema)
        {
            string model = ModelName(schema, routeKey);
            if (!models.ContainsKey(model))
            {
                models[model] = ToJsonSchema(schema, parameters.BodyPointer);
            }

            result["body"] = model;
        }

        if (Boolean(validator["validateRequestParameters"]) == true)
        {
            var required = new JsonArray();
            foreach (var (place, parameterName, isRequired) in parameters.Items)
            {
                if (isRequired && place is "query" or "header")
                {
                    required.Add($"{(place == "query" ? "querystring" : "header")}.{parameterName}");
                }
            }

            if (required.Count > 0)
            {
                result["parameters"] = required;
            }
        }

        if (result.Count > 0)
        {
            route["requestValidator"] = result;
        }
    }

    /// <summary>A component schema's name, or one made from the route key for an inline schema.</summary>
    private static string ModelName(JsonNode schema, string routeKey)
    {
        if (schema is JsonObject o && Text(o["$ref"]) is { } reference && JsonPointer.LocalTokens(reference) is { Length: > 0 } tokens)
        {
            return tokens[^1];
        }

        var name = new System.Text.StringBuilder();
        bool upper = true;
        foreach (char c in routeKey)
        {
            if (char.IsAsciiLetterOrDigit(c))
            {
                name.Append(upper ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
                upper = false;
            }
            else
            {
                upper = true;
            }
        }

        return name.Append("Body").ToString();
    }

    /// <summary>
    /// The schema as a self-contained JSON Schema in its text form (exact: see README "Request validation"): every
    /// schema it refers to is copied under <c>definitions</c> and its <c>$ref</c> rewritten to point there.
    /// </summary>
    private string ToJsonSchema(JsonNode schema, string pointer)
    {
        var definitions = new JsonObject();
        var pending = new Queue<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        JsonNode Rewrite(JsonNode node, string at)
        {
            switch (node)
            {
                case JsonObject obj:
                    var copy = new JsonObject();
                    foreach (var (key, value) in obj)
                    {
                        if (Array.IndexOf(OpenApiOnlyKeywords, key) >= 0)
                        {
                            if (key == "nullable" && Boolean(value) == true)
                            {
                                Warn(JsonPointer.Append(at, key), "nullable is not JSON Schema: null values are refused by EdgeGw's validation");
                            }

                            continue;
                        }

                        if (key == "$ref" && Text(value) is { } reference && JsonPointer.LocalTokens(reference) is { Length: > 0 } tokens)
                        {
                            string target = tokens[^1];
                            if (seen.Add(reference))
                            {
                                pending.Enqueue(reference);
                            }

                            copy["$ref"] = $"#/definitions/{target}";
                            continue;
                        }

                        copy[key] = value is null ? null : Rewrite(value, JsonPointer.Append(at, key));
                    }

                    return copy;
                case JsonArray array:
                    var list = new JsonArray();
                    for (int i = 0; i < array.Count; i++)
                    {
                        list.Add(array[i] is null ? null : Rewrite(array[i]!, JsonPointer.Append(at, i)));
                    }

                    return list;
                default:
                    return node.DeepClone();
            }
        }

        var root = Rewrite(schema, pointer);
        while (pending.Count > 0)
        {
            string reference = pending.Dequeue();
            var target = Resolve(new JsonObject { ["$ref"] = reference }, pointer, out string targetPointer);
            if (target is not null)
            {
                definitions[JsonPointer.LocalTokens(reference)![^1]] = Rewrite(target, targetPointer);
            }
        }

        // A $ref at the top stands for the schema itself: inline it so the model is that schema.
        if (root is JsonObject top && top.Count == 1 && Text(top["$ref"]) is { } self)
        {
            string selfName = self["#/definitions/".Length..];
            if (definitions[selfName] is JsonObject inlined)
            {
                definitions.Remove(selfName);
                root = inlined;
                if (ReferencesTo(root, self) || ReferencesTo(definitions, self))
                {
                    // Recursive: keep it reachable under definitions too.
                    definitions[selfName] = inlined.DeepClone();
                }
            }
        }

        if (root is JsonObject result)
        {
            if (!_swagger2 && Text(_root["openapi"])?.StartsWith("3.1", StringComparison.Ordinal) == true)
            {
                // 2020-12 (EdgeGw's default dialect), as OpenAPI 3.1's schemas are.
            }
            else
            {
                result.Insert(0, "$schema", "http://json-schema.org/draft-04/schema#");
            }

            if (definitions.Count > 0)
            {
                result["definitions"] = definitions;
            }
        }

        return root.ToJsonString();
    }

    private static bool ReferencesTo(JsonNode? node, string reference) => node switch
    {
        JsonObject o => o.Any(p => (p.Key == "$ref" && Text(p.Value) == reference) || ReferencesTo(p.Value, reference)),
        JsonArray a => a.Any(item => ReferencesTo(item, reference)),
        _ => false,
    };
}
