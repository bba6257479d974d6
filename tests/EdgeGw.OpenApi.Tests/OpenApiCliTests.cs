using System.Net.Http;
using System.Text;
using System.Text.Json.Nodes;

namespace EdgeGw.OpenApi.Tests;

/// <summary>The built <c>edgegw</c> with <c>import openapi</c>, <c>export openapi</c>, and OpenAPI files as configs.</summary>
public sealed class OpenApiCliTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("edgegw-oas-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Import_WritesALoadableConfig_AndEachWarningWithItsPointer()
    {
        string output = Path.Combine(_directory, "edgegw.json");
        // GET /orders is a Lambda function: --lambda-endpoint invokes it at SAM local's Invoke API rather than AWS's.
        var (exit, _, stderr) = await EdgeGwProcess.RunAsync("import", "openapi", Fixtures.Path("petstore-http-proxy.yaml"), "--stage", "live",
            "--lambda-endpoint", "http://127.0.0.1:3001", "-o", output);

        Assert.Equal(0, exit);
        Assert.Contains("warning: ", stderr, StringComparison.Ordinal);
        Assert.Contains("/paths/~1pets/post/x-amazon-apigateway-integration/connectionType: VPC_LINK is ignored", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("aws_proxy", stderr, StringComparison.Ordinal);
        Assert.Contains($"wrote {output} (2 warning(s))", stderr, StringComparison.Ordinal);
        var config = JsonNode.Parse(File.ReadAllText(output))!.AsObject();
        var orders = config["apis"]![0]!["routes"]!.AsArray().Single(r => r!["key"]!.ToString() == "GET /orders")!;
        Assert.Equal(
            """{"type":"lambda","function":"arn:aws:lambda:us-east-1:123456789012:function:orders","payloadFormatVersion":"2.0","endpoint":"http://127.0.0.1:3001"}""",
            orders["integration"]!.ToJsonString());
        var model = Fixtures.LoadValid(config).Model!;
        Assert.Equal(6, model.RouteList.Length);
        Assert.All(model.RouteList, r => Assert.Equal("live", r.StageName));

        var (validExit, validOut, validErr) = await EdgeGwProcess.RunAsync("validate", output);
        Assert.True(validExit == 0, validErr);
        Assert.Contains("valid (6 route(s), 3 cluster(s))", validOut, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_FailOnWarnings_ExitsOne_WithTheConfigStillWritten()
    {
        string output = Path.Combine(_directory, "strict.json");
        var (exit, _, stderr) = await EdgeGwProcess.RunAsync("import", "openapi", Fixtures.Path("petstore-authorizers.yaml"), "-o", output, "--fail-on-warnings");
        Assert.Equal(1, exit);
        Assert.Contains("/components/securitySchemes/legacy/x-amazon-apigateway-authorizer/authorizerCredentials: the role", stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(output));
    }

    [Fact]
    public async Task Import_WithoutOutput_PrintsTheConfig_AndNoWarningsExitsZeroEvenWhenStrict()
    {
        string clean = Path.Combine(_directory, "clean.yaml");
        await File.WriteAllTextAsync(clean, """
            openapi: 3.0.1
            info: { title: ping, version: "1" }
            paths:
              /ping:
                get:
                  responses: { "200": { description: pong } }
                  x-amazon-apigateway-integration:
                    type: mock
                    requestTemplates: { application/json: '{"statusCode": 200}' }
                    responses: { default: { statusCode: "200", responseTemplates: { application/json: pong } } }
            """);
        var (exit, stdout, stderr) = await EdgeGwProcess.RunAsync("import", "openapi", clean, "--api", "pinger", "--fail-on-warnings");
        Assert.True(exit == 0, stderr);
        Assert.Equal("", stderr);
        var config = JsonNode.Parse(stdout)!;
        Assert.Equal("pinger", config["apis"]![0]!["name"]!.ToString());
        Assert.Equal("pong", config["apis"]![0]!["routes"]![0]!["integration"]!["body"]!.ToString());
    }

    [Theory]
    [InlineData("import", "openapi")]
    [InlineData("import", "swagger", "x.yaml")]
    [InlineData("import", "openapi", "x.yaml", "--bogus")]
    [InlineData("export", "openapi", "--extensions", "gcp")]
    [InlineData("import", "openapi", "x.yaml", "--lambda-endpoint", "127.0.0.1:3001")]
    [InlineData("export", "openapi", "--lambda-endpoint", "http://127.0.0.1:3001")]
    public async Task UsageErrors_ExitTwo(params string[] args)
    {
        var (exit, _, stderr) = await EdgeGwProcess.RunAsync(args);
        Assert.Equal(2, exit);
        Assert.Contains("Usage:", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Import_NotOpenApi_ExitsOne()
    {
        string file = Path.Combine(_directory, "edgegw.json");
        await File.WriteAllTextAsync(file, "{\"apis\": []}");
        var (exit, _, stderr) = await EdgeGwProcess.RunAsync("import", "openapi", file);
        Assert.Equal(1, exit);
        Assert.Contains("not an OpenAPI document", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_ThenImport_OfAGeneratedConfig_IsTheConfig()
    {
        // export loads the config first: its Lambda functions by ARN get an endpoint (the child has no AWS credentials).
        var config = OpenApiRoundTripTests.Invocable(ConfigGenerator.Generate(42));
        string file = Path.Combine(_directory, "edgegw.json");
        string exported = Path.Combine(_directory, "api.openapi.yaml");
        await File.WriteAllTextAsync(file, config.ToJsonString());
        var (exit, _, stderr) = await EdgeGwProcess.RunAsync("export", "openapi", "--config", file, "-o", exported);
        Assert.True(exit == 0, stderr);
        Assert.StartsWith("\"openapi\": \"3.0.1\"", await File.ReadAllTextAsync(exported), StringComparison.Ordinal);

        var imported = OpenApiImporter.ImportFile(exported);
        Assert.Empty(imported.Warnings);
        Assert.Equal(OpenApiRoundTripTests.Normalized(config), OpenApiRoundTripTests.Normalized(imported.Config!));
    }

    [Fact]
    public async Task Export_OfAnInvalidConfig_ExitsOne()
    {
        string file = Path.Combine(_directory, "bad.json");
        await File.WriteAllTextAsync(file, "{\"apis\": [{\"name\": \"a\", \"stages\": [], \"routes\": []}]}");
        var (exit, _, stderr) = await EdgeGwProcess.RunAsync("export", "openapi", "--config", file);
        Assert.Equal(1, exit);
        Assert.Contains("apis[0].stages", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_AnOpenApiFile_ConvertsItAtLoad_WithImportWarnings()
    {
        // The child has no AWS credentials (EdgeGwProcess clears them): the Lambda route GET /orders (routes[5]) gets
        // an Invoke-API endpoint by an override, as a document served as it is would.
        var (exit, stdout, stderr) = await EdgeGwProcess.RunAsync("validate", Fixtures.Path("petstore-http-proxy.yaml"),
            "--apis:0:routes:5:integration:endpoint=http://127.0.0.1:3001");
        Assert.True(exit == 0, stderr);
        Assert.Contains("valid (6 route(s), 3 cluster(s))", stdout, StringComparison.Ordinal);
        Assert.Contains("openapi /paths/~1pets/post/x-amazon-apigateway-integration/connectionType: VPC_LINK is ignored", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_AnOpenApiFile_WithALambdaArn_AndNoCredentials_SaysHowToGiveThem()
    {
        var (exit, _, stderr) = await EdgeGwProcess.RunAsync("validate", Fixtures.Path("petstore-http-proxy.yaml"));
        Assert.Equal(1, exit);
        Assert.Contains("apis[0].routes[5].integration.function: route 'GET /orders': invoking AWS Lambda needs credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", stderr, StringComparison.Ordinal);
        Assert.Contains("or give the integration an \"endpoint\"", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_AnOpenApiFile_WithALambdaArn_TakesTheSharedCredentialsFile()
    {
        string credentials = Path.Combine(_directory, "credentials");
        await File.WriteAllTextAsync(credentials, "[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n");
        var (exit, stdout, stderr) = await EdgeGwProcess.RunWithAsync(
            new Dictionary<string, string> { ["AWS_SHARED_CREDENTIALS_FILE"] = credentials }, "validate", Fixtures.Path("petstore-http-proxy.yaml"));
        Assert.True(exit == 0, stderr);
        // The function on AWS is a cluster of its own: lambda.us-east-1.amazonaws.com.
        Assert.Contains("valid (6 route(s), 3 cluster(s))", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_WithAnOpenApiConfig_ServesItsRoutes()
    {
        await using var gateway = EdgeGwProcess.Start("run", "--config", Fixtures.Path("petstore-31.json"), "--server:listen:0=http://127.0.0.1:0");
        var address = await gateway.ServingAsync();
        using var client = new HttpClient { BaseAddress = address };

        using var pong = await client.GetAsync(new Uri("/v1/store/ping", UriKind.Relative));
        Assert.Equal(200, (int)pong.StatusCode);
        Assert.Equal("pong", await pong.Content.ReadAsStringAsync());
        using var missing = await client.GetAsync(new Uri("/v1/nothing/here", UriKind.Relative));
        Assert.Equal(404, (int)missing.StatusCode);
        Assert.Equal("{\"message\":\"Not Found\"}", await missing.Content.ReadAsStringAsync());
        Assert.Contains("openapi /: stage variables version", gateway.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_AnAwsRestExport_InvokesItsLambdaFunction_AtTheEndpointAnOverrideGives()
    {
        string document = Path.Combine(_directory, "pets.yaml");
        await File.WriteAllTextAsync(document, """
            swagger: "2.0"
            info: { title: pets, version: "1" }
            basePath: /test
            paths:
              /pets/{petId}:
                get:
                  parameters: [{ name: petId, in: path, required: true, type: string }]
                  responses: { "200": { description: "200 response" } }
                  x-amazon-apigateway-integration:
                    uri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:pets/invocations"
                    responses: { default: { statusCode: "200" } }
                    passthroughBehavior: when_no_match
                    httpMethod: POST
                    contentHandling: CONVERT_TO_TEXT
                    type: aws_proxy
            """);
        await using var function = new InvokeApiServer("""{"statusCode": 201, "headers": {"X-Fn": "pets"}, "body": "pet 42"}""");
        await using var gateway = EdgeGwProcess.Start("run", "--config", document, "--server:listen:0=http://127.0.0.1:0",
            $"--apis:0:routes:0:integration:endpoint={function.Endpoint}");
        using var client = new HttpClient { BaseAddress = await gateway.ServingAsync() };

        using var response = await client.GetAsync(new Uri("/test/pets/42?kind=cat", UriKind.Relative));
        Assert.Equal(201, (int)response.StatusCode);
        Assert.Equal("pet 42", await response.Content.ReadAsStringAsync());
        Assert.Equal("pets", response.Headers.GetValues("X-Fn").Single());

        // At an endpoint the function is invoked by name; a REST API's function gets the 1.0 event.
        var (target, invocation) = await function.FirstInvocation;
        Assert.Equal("/2015-03-31/functions/pets/invocations", target);
        Assert.Equal("1.0", invocation["version"]!.ToString());
        Assert.Equal("/pets/{petId}", invocation["resource"]!.ToString());
        Assert.Equal("GET", invocation["httpMethod"]!.ToString());
        Assert.Equal("42", invocation["pathParameters"]!["petId"]!.ToString());
        Assert.Equal("cat", invocation["queryStringParameters"]!["kind"]!.ToString());
        Assert.Equal("test", invocation["requestContext"]!["stage"]!.ToString());
    }

    [Fact]
    public async Task Run_WithAnOpenApiConfig_ReloadsItsChanges()
    {
        string file = Path.Combine(_directory, "api.openapi.json");
        string original = await File.ReadAllTextAsync(Fixtures.Path("petstore-31.json"));
        await File.WriteAllTextAsync(file, original);
        await using var gateway = EdgeGwProcess.Start("run", "--config", file, "--server:listen:0=http://127.0.0.1:0");
        using var client = new HttpClient { BaseAddress = await gateway.ServingAsync() };
        Assert.Equal("pong", await client.GetStringAsync(new Uri("/v1/store/ping", UriKind.Relative)));

        var reloaded = gateway.NextLineAsync(line => line.Contains("reloaded", StringComparison.Ordinal));
        await File.WriteAllTextAsync(file, original.Replace("\"application/json\": \"pong\"", "\"application/json\": \"pong again\"", StringComparison.Ordinal));
        await reloaded;
        Assert.Equal("pong again", await client.GetStringAsync(new Uri("/v1/store/ping", UriKind.Relative)));

        // A document that no longer converts is reported, and the running config stays.
        var refused = gateway.NextLineAsync(line => line.Contains("not converted from OpenAPI", StringComparison.Ordinal));
        await File.WriteAllTextAsync(file, "{\"openapi\": \"9.9\", \"info\": {\"title\": \"t\", \"version\": \"1\"}, \"paths\": {}}");
        await refused;
        Assert.Equal("pong again", await client.GetStringAsync(new Uri("/v1/store/ping", UriKind.Relative)));
    }
}
