using System.Text;
using System.Text.Json.Nodes;
using EdgeGw.Core.Model;

namespace EdgeGw.OpenApi.Tests;

/// <summary>Fixtures in the shapes of API Gateway's PetStore examples → config → the real loader.</summary>
public sealed class OpenApiImportTests
{
    private static RouteModel Compiled(GatewayModel model, string key) =>
        model.RouteList.Single(r => r.RouteKey == key);

    [Fact]
    public void HttpProxy_PetStore_RoutesClustersAndParameterMappingLoad()
    {
        var result = Fixtures.Import("petstore-http-proxy.yaml");
        // GET /orders is a Lambda function by ARN, which needs AWS credentials at load: loaded here with an Invoke-API
        // endpoint instead, so the test does not depend on this machine's credentials.
        Assert.Equal(
            """{"type":"lambda","function":"arn:aws:lambda:us-east-1:123456789012:function:orders","payloadFormatVersion":"2.0"}""",
            Fixtures.Route(result, "GET /orders")["integration"]!.ToJsonString());
        var model = Fixtures.LoadValid(Fixtures.Import("petstore-http-proxy.yaml", new ImportOptions(LambdaEndpoint: "http://127.0.0.1:3001")).Config!).Model!;

        Assert.Equal(["GET /pets", "POST /pets", "GET /pets/{petId}", "ANY /files/{proxy+}", "GET /search", "GET /orders"], model.RouteList.Select(r => r.RouteKey));
        Assert.All(model.RouteList, r => Assert.Equal("prod", r.StageName));
        Assert.All(model.RouteList, r => Assert.Equal("petstore-proxy", r.ApiName));

        var list = (HttpIntegrationModel)Compiled(model, "GET /pets").Integration;
        Assert.Equal("petstore-backend-example-8080", list.Cluster.Name);
        Assert.Equal(TimeSpan.FromMilliseconds(5000), list.ResponseTimeout);
        Assert.NotNull(list.RequestMapping);
        var mapping = (JsonObject)Fixtures.Route(result, "GET /pets")["integration"]!["requestParameters"]!;
        Assert.Equal("$request.querystring.type", mapping["overwrite:querystring.type"]!.ToString());
        Assert.Equal("edgegw", mapping["overwrite:header.X-Source"]!.ToString());
        Assert.Equal("$context.requestId", mapping["overwrite:header.X-Request"]!.ToString());

        // The uri's {id} is filled from the route's {petId} (integration.request.path.id: method.request.path.petId).
        Assert.Equal("/petstore/pets/{petId}", Fixtures.Route(result, "GET /pets/{petId}")["integration"]!["uri"]!.ToString());
        Assert.Equal("/{proxy}", Fixtures.Route(result, "ANY /files/{proxy+}")["integration"]!["uri"]!.ToString());
        Assert.Equal("files-backend-example-https", ((HttpIntegrationModel)Compiled(model, "ANY /files/{proxy+}").Integration).Cluster.Name);
        // The uri's own query string is appended to what the client sent.
        var search = Fixtures.Route(result, "GET /search")["integration"]!;
        Assert.Equal("/search", search["uri"]!.ToString());
        Assert.Equal("edge", search["requestParameters"]!["append:querystring.source"]!.ToString());
        Assert.Equal("2", search["requestParameters"]!["append:querystring.v"]!.ToString());
        var clusters = (JsonArray)result.Config!["clusters"]!;
        Assert.Equal(["petstore.backend.example:8080", "https://files.backend.example"], clusters.Select(c => c!["destinations"]![0]!.ToString()));

        Fixtures.HasWarning(result, "/paths/~1pets/post/x-amazon-apigateway-integration/connectionType", "VPC_LINK is ignored");
        Fixtures.HasWarning(result, "/paths/~1pets/post/x-amazon-apigateway-integration/connectionId", "ignored");
        Assert.Equal(2, result.Warnings.Count);
    }

    [Fact]
    public void Swagger2_RestPetStore_MocksApiKeysValidationAndGatewayResponsesLoad()
    {
        var result = Fixtures.Import("petstore-rest-swagger2.json");
        var load = Fixtures.LoadValid(result.Config!);
        var model = load.Model!;
        Assert.All(model.RouteList, r => Assert.Equal("test", r.StageName));

        var home = (MockIntegrationModel)Compiled(model, "GET /").Integration;
        Assert.Equal(200, home.StatusCode);
        Assert.Equal("<html><body>Welcome to the pet store</body></html>", Encoding.UTF8.GetString(home.Body));
        Assert.Contains(home.Headers, h => Encoding.ASCII.GetString(h.Name) == "Content-Type" && Encoding.ASCII.GetString(h.Value) == "text/html");

        var preflight = (MockIntegrationModel)Compiled(model, "OPTIONS /pets").Integration;
        Assert.Contains(preflight.Headers, h => Encoding.ASCII.GetString(h.Name) == "Access-Control-Allow-Methods" && Encoding.ASCII.GetString(h.Value) == "GET,POST,OPTIONS");

        // security: [{ api_key: [] }] → apiKeyRequired; the params-only validator → the required query parameter.
        Assert.True(Compiled(model, "GET /pets").Access!.ApiKeyRequired);
        Assert.True((bool)Fixtures.Route(result, "GET /pets")["apiKeyRequired"]!);
        Assert.Equal("querystring.type", Fixtures.Route(result, "GET /pets")["requestValidator"]!["parameters"]![0]!.ToString());
        Assert.Null(Fixtures.Route(result, "GET /pets")["requestValidator"]!["body"]);
        Assert.NotNull(Compiled(model, "GET /pets").RequestValidator);

        // The "all" validator with a body parameter → the NewPet model, its $ref to PetType carried under definitions.
        Assert.Equal("NewPet", Fixtures.Route(result, "POST /pets")["requestValidator"]!["body"]!.ToString());
        var newPet = JsonNode.Parse(Fixtures.Api(result)["models"]!["NewPet"]!.ToString())!;
        Assert.Equal("http://json-schema.org/draft-04/schema#", newPet["$schema"]!.ToString());
        Assert.Equal("#/definitions/PetType", newPet["properties"]!["type"]!["$ref"]!.ToString());
        Assert.Equal("gecko", newPet["definitions"]!["PetType"]!["enum"]![4]!.ToString());
        Assert.NotNull(Compiled(model, "POST /pets").RequestValidator);

        var responses = (JsonObject)Fixtures.Api(result)["gatewayResponses"]!;
        Assert.Equal(429, (int)responses["THROTTLED"]!["statusCode"]!);
        Assert.Equal("1", responses["THROTTLED"]!["headers"]!["Retry-After"]!.ToString());
        Assert.Equal("{\"message\":\"Slow down\"}", responses["THROTTLED"]!["body"]!.ToString());
        Assert.NotNull(Compiled(model, "GET /pets").GatewayResponses);
        Assert.Equal(1024, (int)Fixtures.Api(result)["minimumCompressionSize"]!);
        Assert.NotNull(Compiled(model, "GET /pets").Compression);

        Fixtures.HasWarning(result, "/x-amazon-apigateway-binary-media-types", "as bytes");
        Fixtures.HasWarning(result, "/x-amazon-apigateway-policy", "not supported");
        Fixtures.HasWarning(result, "/x-amazon-apigateway-gateway-responses/UNKNOWN_KIND", "not imported");
        Fixtures.HasWarning(result, "/x-amazon-apigateway-gateway-responses/THROTTLED/responseParameters/gatewayresponse.header.X-Caller", "literal");
        Fixtures.HasWarning(result, "/paths/~1pets/get/x-amazon-apigateway-integration", "mapping templates");
        Fixtures.HasWarning(result, "/paths/~1pets~1{petId}/get/x-amazon-apigateway-integration/cacheKeyParameters", "ignored");
        // WAF_FILTERED is taken (configs stay portable); the loader itself says it is never sent.
        Assert.Contains(load.Warnings, w => w.Path == "apis[0].gatewayResponses.WAF_FILTERED");
    }

    [Fact]
    public void Authorizers_JwtRequestLambdaAndSigV4Load()
    {
        var result = Fixtures.Import("petstore-authorizers.yaml");
        string secret = Path.Combine(Path.GetTempPath(), $"edgegw-oas-{Guid.NewGuid():N}.secret");
        File.WriteAllText(secret, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n");
        try
        {
            // AWS_IAM needs the iam section an OpenAPI document lacks (a warning says so): given here as overrides.
            // The Lambda authorizer's function is given by ARN: invoked at an Invoke API here (AWS itself needs credentials).
            var model = Fixtures.LoadValid(result.Config!, "--apis:0:authorizers:2:integration:endpoint=http://127.0.0.1:3001",
                "--iam:region=us-east-1", "--iam:credentials:0:accessKeyId=AKIAIOSFODNN7EXAMPLE",
                $"--iam:credentials:0:secretAccessKeyFile={secret}", "--iam:credentials:0:principal=arn:aws:iam::123456789012:user/ci").Model!;

            Assert.Equal(["GET /pets", "POST /partner/{proxy+}", "GET /legacy", "DELETE /admin/pets/{id}"], model.RouteList.Select(r => r.RouteKey));
            Assert.All(model.RouteList, r => Assert.Equal("$default", r.StageName));
            Assert.NotNull(Compiled(model, "GET /pets").Authorizer);
            Assert.NotNull(Compiled(model, "POST /partner/{proxy+}").Authorizer);
            var legacy = Assert.IsType<EdgeGw.Core.Authorizers.RequestAuthorizer>(Compiled(model, "GET /legacy").Authorizer!.Authorizer);
            Assert.Equal("/2015-03-31/functions/auth/invocations", Encoding.ASCII.GetString(legacy.Settings.Lambda!.InvokeTarget));
            Assert.NotNull(Compiled(model, "DELETE /admin/pets/{id}").Iam);
            Assert.NotNull(Compiled(model, "GET /pets").Cors);
        }
        finally
        {
            File.Delete(secret);
        }

        var authorizers = (JsonArray)Fixtures.Api(result)["authorizers"]!;
        var jwt = authorizers.Single(a => a!["name"]!.ToString() == "cognito")!;
        Assert.Equal("jwt", jwt["type"]!.ToString());
        Assert.Equal("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Example", jwt["jwt"]!["issuer"]!.ToString());
        Assert.Equal("pets.read", Fixtures.Route(result, "GET /pets")["authorizationScopes"]![0]!.ToString());
        var partner = authorizers.Single(a => a!["name"]!.ToString() == "partner")!;
        Assert.Equal(["$request.header.X-Partner-Token", "$request.querystring.sig"], ((JsonArray)partner["identitySource"]!).Select(s => s!.ToString()));
        Assert.Equal("auth-backend-example-9000", partner["integration"]!["cluster"]!.ToString());
        Assert.Equal("/authorize", partner["integration"]!["uri"]!.ToString());
        Assert.Equal(60, (int)partner["resultTtlSeconds"]!);
        Assert.True((bool)partner["enableSimpleResponses"]!);
        Assert.Equal("AWS_IAM", Fixtures.Route(result, "DELETE /admin/pets/{id}")["authorizationType"]!.ToString());
        Assert.Equal(600, (int)Fixtures.Api(result)["cors"]!["maxAge"]!);

        // The Lambda (token) authorizer: a request authorizer invoking the function of its invocation URI, with AWS's TOKEN
        // event not sent (a REQUEST 1.0 event instead) and its role not assumed, both reported.
        var legacyConfig = authorizers.Single(a => a!["name"]!.ToString() == "legacy")!;
        Assert.Equal("""{"type":"lambda","function":"arn:aws:lambda:us-east-1:123456789012:function:auth"}""", legacyConfig["integration"]!.ToJsonString());
        Assert.Equal(("request", "1.0", 300), (legacyConfig["type"]!.ToString(), legacyConfig["payloadFormatVersion"]!.ToString(), (int)legacyConfig["resultTtlSeconds"]!));
        Assert.Equal("$request.header.Authorization", legacyConfig["identitySource"]!.ToString());
        Assert.Equal("legacy", Fixtures.Route(result, "GET /legacy")["authorizer"]!.ToString());
        Fixtures.HasWarning(result, "/components/securitySchemes/legacy/x-amazon-apigateway-authorizer/type", "not AWS's TOKEN event");
        Fixtures.HasWarning(result, "/components/securitySchemes/legacy/x-amazon-apigateway-authorizer/authorizerCredentials",
            "the role 'arn:aws:iam::123456789012:role/apigw-authorizer-invoke' is not assumed");
        Assert.DoesNotContain(result.Warnings, w => w.Message.Contains("not imported", StringComparison.Ordinal));
        Fixtures.HasWarning(result, "/components/securitySchemes/sigv4/x-amazon-apigateway-authtype", "iam section");
        // Without the iam section the loader refuses the AWS_IAM route, naming it.
        Assert.Contains(Fixtures.Load(result.Config!).Errors, e => e.Path == "apis[0].routes[3].authorizationType");
        // Nor the Lambda authorizer's function by ARN without credentials or an endpoint, naming the authorizer.
        Assert.Contains(Fixtures.Load(result.Config!).Errors, e => e.Path == "apis[0].authorizers[2].integration.function" && e.Message.StartsWith("authorizer 'legacy': ", StringComparison.Ordinal));
    }

    [Fact]
    public void OpenApi31_StageFromServerPath_StageVariables_DefaultRoute_And2020Models()
    {
        var result = Fixtures.Import("petstore-31.json");
        var model = Fixtures.LoadValid(result.Config!).Model!;

        Assert.Equal(["POST /store/pets", "$default", "GET /store/ping"], model.RouteList.Select(r => r.RouteKey));
        Assert.All(model.RouteList, r => Assert.Equal("v1", r.StageName));
        var notFound = (MockIntegrationModel)Compiled(model, "$default").Integration;
        Assert.Equal(404, notFound.StatusCode);
        Assert.Equal("{\"message\":\"Not Found\"}", Encoding.UTF8.GetString(notFound.Body));
        Assert.Equal("pong", Encoding.UTF8.GetString(((MockIntegrationModel)Compiled(model, "GET /store/ping").Integration).Body));

        Assert.Equal("/${stageVariables.version}/pets", Fixtures.Route(result, "POST /store/pets")["integration"]!["uri"]!.ToString());
        Assert.Equal("", Fixtures.Api(result)["stages"]![0]!["variables"]!["version"]!.ToString());
        Fixtures.HasWarning(result, "", "stage variables version");
        Fixtures.HasWarning(result, "/servers/0/url", "'/store' is put before every route's path");

        // 3.1 schemas are 2020-12, EdgeGw's default dialect: no $schema; the Owner reference is carried along.
        var newPet = JsonNode.Parse(Fixtures.Api(result)["models"]!["NewPet"]!.ToString())!.AsObject();
        Assert.False(newPet.ContainsKey("$schema"));
        Assert.Equal("#/definitions/Owner", newPet["properties"]!["owner"]!["$ref"]!.ToString());
        Assert.NotNull(Compiled(model, "POST /store/pets").RequestValidator);
        Assert.Null(Compiled(model, "GET /store/ping").RequestValidator);
    }

    [Fact]
    public void EdgeCases_AreEachReportedAtTheirPointer_AndTheRestLoads()
    {
        var result = Fixtures.Import("petstore-edge-cases.yaml");
        var loaded = Fixtures.LoadValid(result.Config!);
        var model = loaded.Model!;
        Assert.Equal(["POST /tags", "GET /alternatives", "DELETE /empty"], model.RouteList.Select(r => r.RouteKey));
        Assert.All(model.RouteList, r => Assert.Equal("beta", r.StageName));

        // The document-wide security applies where the operation has none; "security: []" turns it off.
        Assert.True(Compiled(model, "POST /tags").Access!.ApiKeyRequired);
        Assert.Null(Fixtures.Route(result, "DELETE /empty")["apiKeyRequired"]);
        Assert.Equal("X-Partner-Key", result.Config!["apiKeys"]!["header"]!.ToString());
        Assert.Equal("x-partner-key", Encoding.ASCII.GetString(model.ApiKeyHeader));
        // x-amazon-apigateway-api-key-source AUTHORIZER: the key is a request authorizer's, and these routes have none (warned at load, as AWS serves them: 403).
        Assert.Equal("AUTHORIZER", Fixtures.Api(result)["apiKeySource"]!.ToString());
        Assert.True(Compiled(model, "POST /tags").Access!.ApiKeyFromAuthorizer);
        Assert.Contains(loaded.Warnings, w => w.Path.EndsWith(".apiKeyRequired", StringComparison.Ordinal));

        // An integration by $ref to components/x-amazon-apigateway-integrations, with HTTP API mappings as written.
        var tags = Fixtures.Route(result, "POST /tags");
        Assert.Equal("yes", tags["integration"]!["requestParameters"]!["append:header.X-Edge"]!.ToString());
        Assert.Equal("410", tags["integration"]!["responseParameters"]!["404"]!["overwrite:statuscode"]!.ToString());
        Assert.NotNull(((HttpIntegrationModel)Compiled(model, "POST /tags").Integration).ResponseMapping);
        // An inline body schema is a model named after the route; the required header is a validated parameter.
        Assert.Equal("PostTagsBody", tags["requestValidator"]!["body"]!.ToString());
        Assert.Equal("header.X-Tenant", tags["requestValidator"]!["parameters"]![0]!.ToString());
        Assert.Equal(204, ((MockIntegrationModel)Compiled(model, "DELETE /empty").Integration).StatusCode);

        Fixtures.HasWarning(result, "/servers/1", "only the first server");
        Fixtures.HasWarning(result, "/x-amazon-apigateway-endpoint-configuration", "not supported");
        Fixtures.HasWarning(result, "/x-amazon-apigateway-cors/allowPrivateNetwork", "ignored");
        Fixtures.HasWarning(result, "/components/securitySchemes/pool/x-amazon-apigateway-authorizer/type", "cognito_user_pools");
        Fixtures.HasWarning(result, "/paths/~1pool/get", "operation not imported");
        Fixtures.HasWarning(result, "/components/securitySchemes/bearer", "documentation only");
        Fixtures.HasWarning(result, "/components/schemas/Tag/nullable", "nullable");
        // bearer (documentation only) or partnerKey: the one that is enforced is applied.
        Fixtures.HasWarning(result, "/paths/~1alternatives/get/security", "only security[1] is applied");
        Assert.True(Compiled(model, "GET /alternatives").Access!.ApiKeyRequired);
        Fixtures.HasWarning(result, "/paths/~1alternatives/get/x-amazon-apigateway-integration/httpMethod", "client's method");
        Fixtures.HasWarning(result, "/paths/~1dynamic-host/get/x-amazon-apigateway-integration/uri", "comes from a variable");
        Fixtures.HasWarning(result, "/paths/~1no-integration/get", "no x-amazon-apigateway-integration");
        Fixtures.HasWarning(result, "/paths/~1empty/delete/x-amazon-apigateway-throttling", "not supported");
        Fixtures.HasWarning(result, "/paths/~1empty/delete/x-amazon-apigateway-integration/requestTemplates", "not plain JSON");
        Fixtures.HasWarning(result, "/paths/~1empty/delete/x-amazon-apigateway-integration/responses/default/responseParameters/method.response.header.X-Who", "literal");
        Fixtures.HasWarning(result, "/paths/~1empty/delete/x-amazon-apigateway-integration/responses/default/responseTemplates", "204");
        Fixtures.HasWarning(result, "/paths/~1empty/trace", "TRACE");
        Assert.Equal(17, result.Warnings.Count);
    }

    [Fact]
    public void Options_ApiNameAndStage_Override_TheDocument()
    {
        var result = Fixtures.Import("petstore-http-proxy.yaml", new ImportOptions("pets", "beta", LambdaEndpoint: "http://127.0.0.1:3001"));
        var model = Fixtures.LoadValid(result.Config!).Model!;
        Assert.All(model.RouteList, r => Assert.Equal(("pets", "beta"), (r.ApiName, r.StageName)));
    }

    [Fact]
    public void Yaml_And_Json_OfOneDocument_GiveTheSameConfig()
    {
        byte[] yaml = File.ReadAllBytes(Fixtures.Path("petstore-http-proxy.yaml"));
        var tree = OpenApiSource.Parse("x.yaml", yaml, out _)!;
        var fromYaml = OpenApiImporter.Import("x.yaml", yaml);
        var fromJson = OpenApiImporter.Import("x.json", Encoding.UTF8.GetBytes(tree.ToJsonString()));
        Assert.Equal(fromYaml.ToJson(), fromJson.ToJson());
        Assert.Equal(fromYaml.Warnings, fromJson.Warnings);
    }

    [Theory]
    [InlineData("{\"apis\": []}", "not an OpenAPI document")]
    [InlineData("openapi: 3.0.1\ninfo: [unclosed", "invalid YAML")]
    [InlineData("{\"openapi\": \"3.0.1\", ", "invalid JSON")]
    [InlineData("{\"openapi\": \"9.0\", \"info\": {\"title\": \"t\", \"version\": \"1\"}, \"paths\": {}}", "9.0")]
    public void Unreadable_Documents_AreErrors_WithNoConfig(string text, string expected)
    {
        var result = OpenApiImporter.Import("doc", Encoding.UTF8.GetBytes(text));
        Assert.Null(result.Config);
        Assert.Contains(result.Errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void LooksLikeOpenApi_ByTopLevelKey_OrYamlName()
    {
        Assert.True(OpenApiSource.LooksLikeOpenApi("api.json", "{\"info\": {\"openapi\": 1}, \"swagger\": \"2.0\"}"u8));
        Assert.False(OpenApiSource.LooksLikeOpenApi("edgegw.json", "{\"apis\": [{\"openapi\": \"3.0\"}]}"u8));
        Assert.False(OpenApiSource.LooksLikeOpenApi("edgegw.json", "{ broken"u8));
        Assert.True(OpenApiSource.LooksLikeOpenApi("api.openapi.yaml", "openapi: 3.0.1"u8));
    }
}
