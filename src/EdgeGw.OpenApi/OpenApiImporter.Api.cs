using System.Text.Json.Nodes;

namespace EdgeGw.OpenApi;

/// <summary>The document's API-wide extensions: CORS, gateway responses, compression, binary media types.</summary>
public sealed partial class OpenApiImporter
{
    private static readonly string[] CorsKeys = ["allowOrigins", "allowMethods", "allowHeaders", "exposeHeaders", "maxAge", "allowCredentials"];

    /// <summary>AWS's gateway response types EdgeGw answers with (GatewayErrorTypes), and those it accepts but never sends.</summary>
    private static readonly string[] GatewayResponseTypes =
    [
        "DEFAULT_4XX", "DEFAULT_5XX", "RESOURCE_NOT_FOUND", "REQUEST_TOO_LARGE", "INVALID_API_KEY", "THROTTLED", "QUOTA_EXCEEDED",
        "INTEGRATION_FAILURE", "INTEGRATION_TIMEOUT", "BAD_REQUEST_BODY", "BAD_REQUEST_PARAMETERS", "UNAUTHORIZED", "ACCESS_DENIED",
        "MISSING_AUTHENTICATION_TOKEN", "AUTHORIZER_FAILURE", "AUTHORIZER_CONFIGURATION_ERROR", "INVALID_SIGNATURE", "EXPIRED_TOKEN",
        "API_CONFIGURATION_ERROR", "UNSUPPORTED_MEDIA_TYPE", "WAF_FILTERED",
    ];

    private void ReadApiSettings(JsonObject api)
    {
        foreach (var (key, _) in _root)
        {
            if (key.StartsWith(Aws, StringComparison.Ordinal) && Array.IndexOf(TopLevelExtensions, key) < 0)
            {
                WarnExtension(JsonPointer.Append("", key), key);
            }
        }

        if (Integer(_root["x-amazon-apigateway-minimum-compression-size"]) is { } minimum)
        {
            api["minimumCompressionSize"] = minimum;
        }

        if (_root["x-amazon-apigateway-binary-media-types"] is JsonArray { Count: > 0 })
        {
            Warn("/x-amazon-apigateway-binary-media-types",
                "EdgeGw passes request and response bodies through as bytes: binary media types need no setting and are not kept");
        }

        if (Object(_root, "x-amazon-apigateway-cors") is { } cors)
        {
            WarnUnknownKeys(cors, "/x-amazon-apigateway-cors", CorsKeys, "CORS");
            var result = new JsonObject();
            foreach (string key in CorsKeys)
            {
                if (cors[key] is { } value)
                {
                    result[key] = key is "maxAge" ? Integer(value) : key is "allowCredentials" ? Boolean(value) : value.DeepClone();
                }
            }

            api["cors"] = result;
        }

        if (Object(_root, "x-amazon-apigateway-gateway-responses") is { } responses)
        {
            var result = new JsonObject();
            foreach (var (type, node) in responses)
            {
                string at = JsonPointer.Append("/x-amazon-apigateway-gateway-responses", type);
                if (Array.IndexOf(GatewayResponseTypes, type) < 0)
                {
                    Warn(at, $"EdgeGw has no {type} answer: not imported");
                    continue;
                }

                if (node is not JsonObject response)
                {
                    continue;
                }

                result[type] = ReadGatewayResponse(type, response, at);
            }

            if (result.Count > 0)
            {
                api["gatewayResponses"] = result;
            }
        }
    }

    private JsonObject ReadGatewayResponse(string type, JsonObject response, string pointer)
    {
        WarnUnknownKeys(response, pointer, ["statusCode", "responseParameters", "responseTemplates"], "gateway response");
        var result = new JsonObject();
        if (Integer(response["statusCode"]) is { } status)
        {
            if (type is "DEFAULT_4XX" or "DEFAULT_5XX")
            {
                Warn(JsonPointer.Append(pointer, "statusCode"), "DEFAULT_4XX and DEFAULT_5XX keep each answer's own status in EdgeGw: ignored");
            }
            else
            {
                result["statusCode"] = status;
            }
        }

        if (Object(response, "responseParameters") is { } parameters)
        {
            var headers = new JsonObject();
            foreach (var (key, value) in parameters)
            {
                string text = Text(value) ?? "";
                const string prefix = "gatewayresponse.header.";
                if (key.StartsWith(prefix, StringComparison.Ordinal) && text.Length >= 2 && text[0] == '\'' && text[^1] == '\'')
                {
                    headers[key[prefix.Length..]] = text[1..^1];
                }
                else
                {
                    Warn(JsonPointer.Append(JsonPointer.Append(pointer, "responseParameters"), key), "gateway response headers are literal values ('…') only: ignored");
                }
            }

            if (headers.Count > 0)
            {
                result["headers"] = headers;
            }
        }

        if (Object(response, "responseTemplates") is { Count: > 0 } templates)
        {
            string templatesPointer = JsonPointer.Append(pointer, "responseTemplates");
            var body = templates["application/json"] ?? templates.First().Value;
            if (templates.Count > 1)
            {
                Warn(templatesPointer, "EdgeGw has one body per gateway response: the application/json template is used");
            }

            result["body"] = Text(body) ?? "";
        }

        return result;
    }
}
