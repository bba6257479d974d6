using System.Text.Json.Nodes;

namespace EdgeGw.OpenApi;

/// <summary>
/// Security schemes → <c>authorizers</c>, <c>apiKeyRequired</c> and <c>authorizationType: AWS_IAM</c>; an operation's
/// (or the document's) <c>security</c> → the route's.
/// </summary>
public sealed partial class OpenApiImporter
{
    private enum SchemeKind
    {
        /// <summary>An EdgeGw authorizer of the same name.</summary>
        Authorizer,
        ApiKey,
        Iam,
        /// <summary>Not an API Gateway scheme (plain OpenAPI documentation): ignored, as AWS's import does.</summary>
        Ignored,
        /// <summary>An API Gateway authorizer EdgeGw cannot run: routes that need it are not imported (never served open).</summary>
        Unsupported,
    }

    private sealed class SecuritySchemes
    {
        public Dictionary<string, SchemeKind> Kinds { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, string> AuthorizerTypes { get; } = new(StringComparer.Ordinal);

        public string? ApiKeyHeader { get; set; }
    }

    private static readonly string[] AuthorizerKeys =
    [
        "type", "identitySource", "jwtConfiguration", "authorizerUri", "authorizerPayloadFormatVersion", "authorizerResultTtlInSeconds",
        "enableSimpleResponses", "identityValidationExpression", "authorizerCredentials",
    ];

    private SecuritySchemes ReadSecuritySchemes(JsonObject api)
    {
        var result = new SecuritySchemes();
        string schemesPointer = _swagger2 ? "/securityDefinitions" : "/components/securitySchemes";
        var schemes = _swagger2 ? Object(_root, "securityDefinitions") : Object(Object(_root, "components"), "securitySchemes");
        var authorizers = new JsonArray();
        foreach (var (name, node) in schemes ?? [])
        {
            string pointer = JsonPointer.Append(schemesPointer, name);
            if (Resolve(node, pointer, out pointer) is not JsonObject scheme)
            {
                continue;
            }

            string authType = Text(scheme["x-amazon-apigateway-authtype"]) ?? "";
            if (Object(scheme, "x-amazon-apigateway-authorizer") is { } authorizer)
            {
                var converted = ReadAuthorizer(name, authorizer, JsonPointer.Append(pointer, "x-amazon-apigateway-authorizer"),
                    Object(scheme, LambdaExtension), JsonPointer.Append(pointer, LambdaExtension));
                if (converted is null)
                {
                    result.Kinds[name] = SchemeKind.Unsupported;
                }
                else
                {
                    authorizers.Add(converted);
                    result.Kinds[name] = SchemeKind.Authorizer;
                    result.AuthorizerTypes[name] = converted["type"]!.ToString();
                }
            }
            else if (authType.Equals("awsSigv4", StringComparison.OrdinalIgnoreCase))
            {
                result.Kinds[name] = SchemeKind.Iam;
                Warn(JsonPointer.Append(pointer, "x-amazon-apigateway-authtype"),
                    "awsSigv4 routes are imported as authorizationType AWS_IAM, which needs a top-level iam section (region, credentials) that an OpenAPI document does not have: add it before serving");
            }
            else if (authType.Length > 0)
            {
                result.Kinds[name] = SchemeKind.Unsupported;
                Warn(JsonPointer.Append(pointer, "x-amazon-apigateway-authtype"), $"{authType} is not supported by EdgeGw: routes that require '{name}' are not imported");
            }
            else if (Text(scheme["type"]) == "apiKey")
            {
                result.Kinds[name] = SchemeKind.ApiKey;
                if (Text(scheme["in"]) != "header")
                {
                    Warn(JsonPointer.Append(pointer, "in"), "EdgeGw reads API keys from a header only");
                }

                string header = Text(scheme["name"]) ?? "x-api-key";
                if (result.ApiKeyHeader is { } other && !other.Equals(header, StringComparison.OrdinalIgnoreCase))
                {
                    Warn(JsonPointer.Append(pointer, "name"), $"EdgeGw has one API key header for the gateway: '{other}' is used");
                }
                else
                {
                    result.ApiKeyHeader = header;
                }
            }
            else
            {
                result.Kinds[name] = SchemeKind.Ignored;
                Warn(pointer, "a security scheme without x-amazon-apigateway-authorizer is documentation only (as at AWS): not enforced");
            }
        }

        if (authorizers.Count > 0)
        {
            api["authorizers"] = authorizers;
        }

        if (Text(_root["x-amazon-apigateway-api-key-source"]) is { } source)
        {
            if (source is "HEADER" or "AUTHORIZER")
            {
                api["apiKeySource"] = source;
            }
            else
            {
                Warn("/x-amazon-apigateway-api-key-source", $"'{source}' is not HEADER or AUTHORIZER");
            }
        }

        return result;
    }

    private JsonObject? ReadAuthorizer(string name, JsonObject aws, string pointer, JsonObject? extension, string extensionPointer)
    {
        WarnUnknownKeys(aws, pointer, AuthorizerKeys, "authorizer");
        string type = Text(aws["type"])?.ToLowerInvariant() ?? "";
        var result = new JsonObject { ["name"] = name };
        if (aws["identitySource"] is { } identityNode)
        {
            var sources = new JsonArray();
            foreach (string raw in (Text(identityNode) ?? "").Trim('[', ']').Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                string source = raw.Trim('"');
                if (source.StartsWith("method.request.header.", StringComparison.Ordinal))
                {
                    sources.Add($"$request.header.{source["method.request.header.".Length..]}");
                }
                else if (source.StartsWith("method.request.querystring.", StringComparison.Ordinal))
                {
                    sources.Add($"$request.querystring.{source["method.request.querystring.".Length..]}");
                }
                else if (source.StartsWith("$request.header.", StringComparison.Ordinal) || source.StartsWith("$request.querystring.", StringComparison.Ordinal))
                {
                    sources.Add(source);
                }
                else
                {
                    Warn(JsonPointer.Append(pointer, "identitySource"), $"'{source}' is not a header or query string identity source: not used");
                }
            }

            if (sources.Count > 0)
            {
                result["identitySource"] = sources.Count == 1 ? sources[0]!.DeepClone() : sources;
            }
        }

        if (type == "jwt")
        {
            result["type"] = "jwt";
            var jwt = Object(aws, "jwtConfiguration");
            if (jwt is null || jwt["issuer"] is null || jwt["audience"] is null)
            {
                Warn(JsonPointer.Append(pointer, "jwtConfiguration"), "a jwt authorizer needs jwtConfiguration.issuer and .audience: routes that require it are not imported");
                return null;
            }

            result["jwt"] = new JsonObject { ["issuer"] = jwt["issuer"]!.DeepClone(), ["audience"] = jwt["audience"]!.DeepClone() };
            return result;
        }

        if (type is not ("request" or "token"))
        {
            Warn(JsonPointer.Append(pointer, "type"), $"'{type}' authorizers are not supported by EdgeGw (jwt, request, token): routes that require '{name}' are not imported");
            return null;
        }

        string uri = Text(aws["authorizerUri"]) ?? "";
        JsonObject integration;
        if (IsLambdaAuthorizer(uri, extension))
        {
            if (ReadLambdaAuthorizer(uri, JsonPointer.Append(pointer, "authorizerUri"), extension, extensionPointer) is not { } lambda)
            {
                return null;
            }

            integration = lambda;
        }
        else if (!uri.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !uri.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            Warn(JsonPointer.Append(pointer, "authorizerUri"), uri.Length == 0
                ? "a request authorizer needs an authorizerUri (a Lambda invocation ARN or an http(s) URL): routes that require it are not imported"
                : $"'{uri}' is neither a Lambda invocation ARN (arn:aws:apigateway:<region>:lambda:path/2015-03-31/functions/<function ARN>/invocations) nor an http(s) URL: routes that require it are not imported");
            return null;
        }
        else
        {
            if (extension is not null)
            {
                Warn(extensionPointer, $"{LambdaExtension} applies to Lambda authorizers only: ignored");
            }

            int schemeEnd = uri.IndexOf("://", StringComparison.Ordinal);
            int pathStart = uri.IndexOf('/', schemeEnd + 3);
            string authority = pathStart < 0 ? uri[(schemeEnd + 3)..] : uri[(schemeEnd + 3)..pathStart];
            integration = new JsonObject { ["cluster"] = Cluster(uri[..schemeEnd].ToLowerInvariant(), authority) };
            if (pathStart >= 0)
            {
                integration["uri"] = uri[pathStart..];
            }
        }

        if (Text(aws["authorizerCredentials"]) is { } credentials)
        {
            Warn(JsonPointer.Append(pointer, "authorizerCredentials"),
                $"the role '{credentials}' is not assumed: EdgeGw invokes the authorizer with its own credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ~/.aws/credentials, or the integration's profile)");
        }

        if (aws.ContainsKey("identityValidationExpression"))
        {
            Warn(JsonPointer.Append(pointer, "identityValidationExpression"), "not applied: EdgeGw calls the authorizer for any identity value (a missing one is 401)");
        }

        result["type"] = "request";
        result["integration"] = integration;
        string? version = Text(aws["authorizerPayloadFormatVersion"]);
        if (type == "token")
        {
            Warn(JsonPointer.Append(pointer, "type"),
                "a token authorizer is called with the REQUEST event (payload 1.0) carrying the token's header, not AWS's TOKEN event (a handler that reads event.authorizationToken must read event.headers)");
            version = "1.0";
        }
        else if (version is null && _swagger2)
        {
            version = "1.0";
        }

        if (version is not null)
        {
            result["payloadFormatVersion"] = version;
        }

        if (Boolean(aws["enableSimpleResponses"]) is { } simple)
        {
            result["enableSimpleResponses"] = simple;
        }

        if (Integer(aws["authorizerResultTtlInSeconds"]) is { } ttl)
        {
            result["resultTtlSeconds"] = ttl;
        }

        return result;
    }

    /// <summary>False when the route must not be imported (it requires an authorizer EdgeGw cannot run).</summary>
    private bool ApplySecurity(JsonObject route, JsonObject operation, string pointer, SecuritySchemes schemes)
    {
        string securityPointer = operation.ContainsKey("security") ? JsonPointer.Append(pointer, "security") : "/security";
        if ((operation["security"] ?? _root["security"]) is not JsonArray { Count: > 0 } requirements)
        {
            return true;
        }

        // One requirement is applied: the first that enforces something (never the documentation-only one of a
        // pair, which would serve the route open).
        int chosen = 0;
        for (int i = 0; i < requirements.Count; i++)
        {
            if (requirements[i] is JsonObject candidate && candidate.Any(p => schemes.Kinds.TryGetValue(p.Key, out var k) && k != SchemeKind.Ignored))
            {
                chosen = i;
                break;
            }
        }

        if (requirements.Count > 1)
        {
            Warn(securityPointer, $"EdgeGw has no alternative security requirements: only security[{chosen}] is applied");
        }

        if (requirements[chosen] is not JsonObject requirement)
        {
            return true;
        }

        string? authorizer = null;
        foreach (var (name, scopes) in requirement)
        {
            string at = JsonPointer.Append(JsonPointer.Append(securityPointer, chosen), name);
            if (!schemes.Kinds.TryGetValue(name, out var kind))
            {
                Warn(at, $"'{name}' is not a defined security scheme: not applied");
                continue;
            }

            switch (kind)
            {
                case SchemeKind.Unsupported:
                    Warn(pointer, $"requires '{name}', which EdgeGw cannot enforce: operation not imported");
                    return false;
                case SchemeKind.ApiKey:
                    route["apiKeyRequired"] = true;
                    break;
                case SchemeKind.Iam when authorizer is null:
                    route["authorizationType"] = "AWS_IAM";
                    authorizer = name;
                    break;
                case SchemeKind.Authorizer when authorizer is null:
                    route["authorizer"] = name;
                    authorizer = name;
                    if (scopes is JsonArray { Count: > 0 } list)
                    {
                        if (schemes.AuthorizerTypes[name] == "jwt")
                        {
                            route["authorizationScopes"] = list.DeepClone();
                        }
                        else
                        {
                            Warn(at, "scopes apply to jwt authorizers only: ignored");
                        }
                    }

                    break;
                case SchemeKind.Iam or SchemeKind.Authorizer:
                    Warn(at, $"a route has one authorizer in EdgeGw: '{authorizer}' is used");
                    break;
            }
        }

        return true;
    }
}
