using System.Text.Json.Nodes;

namespace EdgeGw.OpenApi.Tests;

/// <summary>
/// Seeded random EdgeGw configs of what OpenAPI can carry: routes over literal, <c>{param}</c> and <c>{proxy+}</c>
/// segments and every method, mock, http (uri, timeout, parameter mapping) and lambda integrations (ARN or Invoke-API
/// endpoint, payload format, timeout, endpoint, profile), API keys, JWT and
/// request authorizers (HTTP and Lambda) with scopes, CORS, gateway responses, request validation, the compression minimum. Written
/// as the importer writes (cluster names from the backend's authority, models as JSON text).
/// </summary>
internal static class ConfigGenerator
{
    private static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "ANY"];
    private static readonly string[] Literals = ["pets", "orders", "items", "v1", "store"];
    private static readonly (string Destination, string Name)[] Backends =
    [
        ("b1.backend.example:80", "b1-backend-example"),
        ("b2.backend.example:8080", "b2-backend-example-8080"),
        ("https://b3.backend.example", "b3-backend-example-https"),
        ("10.0.0.5:9000", "10-0-0-5-9000"),
    ];

    private const string Model = "{\"$schema\":\"http://json-schema.org/draft-04/schema#\",\"type\":\"object\",\"required\":[\"name\"],\"properties\":{\"name\":{\"type\":\"string\",\"minLength\":1}}}";

    public static JsonObject Generate(int seed)
    {
        var random = new Random(seed);
        var usedClusters = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var api = new JsonObject { ["name"] = $"gen-api-{seed}" };
        string stage = random.Next(3) switch { 0 => "$default", 1 => "prod", _ => "v2" };
        api["stages"] = new JsonArray(new JsonObject { ["name"] = stage });

        if (random.Next(2) == 0)
        {
            api["cors"] = new JsonObject
            {
                ["allowOrigins"] = new JsonArray("https://app.example.com"),
                ["allowMethods"] = new JsonArray("GET", "POST"),
                ["allowHeaders"] = new JsonArray("content-type"),
                ["maxAge"] = random.Next(0, 3600),
                ["allowCredentials"] = random.Next(2) == 0,
            };
        }

        if (random.Next(2) == 0)
        {
            api["gatewayResponses"] = new JsonObject
            {
                ["THROTTLED"] = new JsonObject { ["statusCode"] = 429, ["headers"] = new JsonObject { ["Retry-After"] = "1" }, ["body"] = "{\"message\":\"slow down\"}" },
                ["DEFAULT_5XX"] = new JsonObject { ["body"] = "{\"message\":\"oops\"}" },
            };
        }

        if (random.Next(3) == 0)
        {
            api["minimumCompressionSize"] = random.Next(0, 10_000);
        }

        var authorizers = new JsonArray();
        var authorizerTypes = new List<(string Name, bool Jwt)>();
        if (random.Next(2) == 0)
        {
            authorizers.Add(new JsonObject
            {
                ["name"] = "users", ["type"] = "jwt", ["identitySource"] = "$request.header.Authorization",
                ["jwt"] = new JsonObject { ["issuer"] = "https://issuer.example.com", ["audience"] = new JsonArray("gen", $"aud-{seed}") },
            });
            authorizerTypes.Add(("users", true));
        }

        if (random.Next(2) == 0)
        {
            usedClusters["auth.backend.example:9001"] = "auth-backend-example-9001";
            authorizers.Add(new JsonObject
            {
                ["name"] = "partner", ["type"] = "request", ["identitySource"] = "$request.header.X-Token",
                ["integration"] = new JsonObject { ["cluster"] = "auth-backend-example-9001", ["uri"] = "/authorize" },
                ["payloadFormatVersion"] = random.Next(2) == 0 ? "2.0" : "1.0", ["resultTtlSeconds"] = random.Next(0, 300),
            });
            authorizerTypes.Add(("partner", false));
        }

        if (random.Next(2) == 0)
        {
            // A Lambda request authorizer: the function as a lambda route integration names it (no format or timeout of its own here).
            var integration = LambdaIntegration(random);
            integration.Remove("payloadFormatVersion");
            integration.Remove("timeoutMs");
            bool v2 = random.Next(2) == 0;
            var authorizer = new JsonObject
            {
                ["name"] = "fn", ["type"] = "request", ["identitySource"] = "$request.header.X-Fn-Token",
                ["integration"] = integration,
                ["payloadFormatVersion"] = v2 ? "2.0" : "1.0", ["resultTtlSeconds"] = random.Next(0, 300),
            };
            if (v2 && random.Next(2) == 0)
            {
                authorizer["enableSimpleResponses"] = true;
            }

            authorizers.Add(authorizer);
            authorizerTypes.Add(("fn", false));
        }

        if (authorizers.Count > 0)
        {
            api["authorizers"] = authorizers;
        }

        var routes = new JsonArray();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        bool usesModel = false;
        int count = random.Next(1, 12);
        for (int i = 0; i < count * 3 && routes.Count < count; i++)
        {
            var segments = new List<string>();
            int depth = random.Next(0, 4);
            for (int d = 0; d < depth; d++)
            {
                segments.Add(random.Next(3) == 0 ? $"{{p{d}}}" : Literals[random.Next(Literals.Length)]);
            }

            if (random.Next(5) == 0)
            {
                segments.Add("{proxy+}");
            }

            bool isDefault = random.Next(15) == 0;
            if (isDefault)
            {
                segments.Clear();
            }

            string method = Methods[random.Next(Methods.Length)];
            string key = isDefault ? "$default" : $"{method} /{string.Join('/', segments)}";
            if (!keys.Add(key))
            {
                continue;
            }

            var route = new JsonObject { ["key"] = key };
            var parameters = new List<string>();
            foreach (string segment in segments)
            {
                if (segment.StartsWith('{'))
                {
                    parameters.Add(segment.Trim('{', '}', '+'));
                }
            }

            if (random.Next(4) == 0)
            {
                route["apiKeyRequired"] = true;
            }

            if (authorizerTypes.Count > 0 && random.Next(2) == 0)
            {
                var (name, jwt) = authorizerTypes[random.Next(authorizerTypes.Count)];
                route["authorizer"] = name;
                if (jwt && random.Next(2) == 0)
                {
                    route["authorizationScopes"] = new JsonArray("pets.read", $"scope{random.Next(5)}");
                }
            }

            int kind = random.Next(5);
            bool http = kind < 2;
            if (http && random.Next(3) == 0)
            {
                var validator = new JsonObject();
                if (random.Next(2) == 0 && method is "POST" or "PUT" or "PATCH")
                {
                    validator["body"] = "NewPet";
                    usesModel = true;
                }

                if (random.Next(2) == 0 || validator.Count == 0)
                {
                    validator["parameters"] = new JsonArray("querystring.q", "header.X-Tenant");
                }

                route["requestValidator"] = validator;
            }

            route["integration"] = http ? HttpIntegration(random, parameters, usedClusters) : kind < 4 ? MockIntegration(random) : LambdaIntegration(random);
            routes.Add(route);
        }

        if (usesModel)
        {
            api["models"] = new JsonObject { ["NewPet"] = Model };
        }

        api["routes"] = routes;
        var clusters = new JsonArray();
        foreach (var (destination, name) in usedClusters)
        {
            clusters.Add(new JsonObject { ["name"] = name, ["destinations"] = new JsonArray(destination) });
        }

        var config = new JsonObject();
        if (clusters.Count > 0)
        {
            config["clusters"] = clusters;
        }

        config["apis"] = new JsonArray(api);
        return config;
    }

    private static JsonObject HttpIntegration(Random random, List<string> parameters, SortedDictionary<string, string> usedClusters)
    {
        var (destination, name) = Backends[random.Next(Backends.Length)];
        usedClusters[destination] = name;
        var integration = new JsonObject { ["type"] = "http", ["cluster"] = name };
        if (random.Next(3) != 0)
        {
            string uri = "/up";
            foreach (string parameter in parameters)
            {
                uri += $"/{{{parameter}}}";
            }

            integration["uri"] = uri;
        }

        if (random.Next(3) == 0)
        {
            integration["timeoutMs"] = random.Next(50, 29_000);
        }

        if (random.Next(3) == 0)
        {
            integration["requestParameters"] = new JsonObject
            {
                ["overwrite:header.X-Req"] = "$context.requestId",
                ["append:querystring.v"] = $"v{random.Next(9)}",
            };
        }

        if (random.Next(4) == 0)
        {
            integration["responseParameters"] = new JsonObject { ["404"] = new JsonObject { ["overwrite:statuscode"] = "410" } };
        }

        return integration;
    }

    private static readonly string[] Functions =
    [
        "arn:aws:lambda:us-east-1:123456789012:function:pets",
        "arn:aws:lambda:eu-west-1:123456789012:function:orders:live",
        "arn:aws-cn:lambda:cn-north-1:123456789012:function:store:7",
        "http://127.0.0.1:9001",
    ];

    /// <summary>A Lambda integration; a function by ARN sometimes with an Invoke-API endpoint or a profile (EdgeGw's own keys).</summary>
    private static JsonObject LambdaIntegration(Random random)
    {
        string function = Functions[random.Next(Functions.Length)];
        var lambda = new JsonObject
        {
            ["type"] = "lambda",
            ["function"] = function,
            // As the importer writes it: always (an absent one would read back as API Gateway's 1.0).
            ["payloadFormatVersion"] = random.Next(2) == 0 ? "2.0" : "1.0",
        };
        if (random.Next(3) == 0)
        {
            lambda["timeoutMs"] = random.Next(50, 29_001);
        }

        if (function.StartsWith("arn:", StringComparison.Ordinal))
        {
            if (random.Next(3) == 0)
            {
                lambda["endpoint"] = "http://127.0.0.1:3001";
            }

            if (random.Next(4) == 0)
            {
                lambda["profile"] = "dev";
            }
        }

        return lambda;
    }

    private static JsonObject MockIntegration(Random random)
    {
        int[] statuses = [200, 201, 202, 400, 404, 418, 503];
        var mock = new JsonObject { ["type"] = "mock", ["status"] = statuses[random.Next(statuses.Length)] };
        if (random.Next(2) == 0)
        {
            mock["headers"] = new JsonObject { ["X-Mock"] = $"m{random.Next(100)}", ["Content-Type"] = "application/json" };
        }

        if (random.Next(3) != 0)
        {
            mock["body"] = $"{{\"n\":{random.Next(1000)},\"text\":\"a 'quoted' value\"}}";
        }

        return mock;
    }
}
