using System.Text;
using System.Text.Json.Nodes;
using EdgeGw.Core.Lambda;
using EdgeGw.Core.Model;

namespace EdgeGw.OpenApi.Tests;

/// <summary>
/// <c>aws_proxy</c> integrations ⇄ <c>lambda</c> ones. The converted JSON is checked as written; loading it needs
/// somewhere to invoke (a bare ARN needs AWS credentials, which this machine may or may not have), so the loaded
/// configs are imported with an Invoke-API endpoint.
/// </summary>
public sealed class OpenApiLambdaTests
{
    private const string Endpoint = "http://127.0.0.1:3001";

    [Fact]
    public void HttpApi_AwsProxy_IsALambdaIntegration_WithTheFunctionOfItsInvocationUri()
    {
        var result = Fixtures.Import("petstore-lambda-http-api.yaml");

        Assert.Equal(
            """{"type":"lambda","function":"arn:aws:lambda:eu-west-1:123456789012:function:pets:live","payloadFormatVersion":"2.0","timeoutMs":29000}""",
            Fixtures.Route(result, "GET /pets")["integration"]!.ToJsonString());
        // An HTTP API's integration URI may be the function ARN itself.
        Assert.Equal(
            """{"type":"lambda","function":"arn:aws:lambda:eu-west-1:123456789012:function:pets","payloadFormatVersion":"1.0","timeoutMs":5000}""",
            Fixtures.Route(result, "GET /pets/{petId}")["integration"]!.ToJsonString());
        Assert.Equal(
            """{"type":"lambda","function":"arn:aws:lambda:eu-west-1:123456789012:function:pets-create","payloadFormatVersion":"2.0"}""",
            Fixtures.Route(result, "POST /pets")["integration"]!.ToJsonString());
        // x-edgegw-lambda (what the exporter writes for EdgeGw-only keys); an unknown payload format is AWS's default.
        Assert.Equal(
            """{"type":"lambda","function":"arn:aws:lambda:eu-west-1:123456789012:function:pets-update","payloadFormatVersion":"1.0","endpoint":"http://127.0.0.1:3001","profile":"dev"}""",
            Fixtures.Route(result, "PUT /pets/{petId}")["integration"]!.ToJsonString());
        Assert.Equal(
            """{"type":"lambda","function":"http://127.0.0.1:9001","payloadFormatVersion":"2.0"}""",
            Fixtures.Route(result, "GET /local")["integration"]!.ToJsonString());
        Assert.Equal("mock", Fixtures.Route(result, "GET /health")["integration"]!["type"]!.ToString());
        Assert.Equal(["GET /pets", "POST /pets", "GET /pets/{petId}", "PUT /pets/{petId}", "GET /local", "GET /health"],
            ((JsonArray)Fixtures.Api(result)["routes"]!).Select(r => r!["key"]!.ToString()));
        Assert.Null(result.Config!["clusters"]);

        const string Pets = "/paths/~1pets";
        const string Pet = "/paths/~1pets~1{petId}";
        const string Integration = "x-amazon-apigateway-integration";
        Fixtures.HasWarning(result, $"{Pets}/get/{Integration}/timeoutInMillis", "30000 ms is over EdgeGw's 29000 ms");
        Fixtures.HasWarning(result, $"{Pets}/post/{Integration}/httpMethod", "invoked with POST");
        Fixtures.HasWarning(result, $"{Pets}/post/{Integration}/credentials", "the role 'arn:aws:iam::123456789012:role/apigw-invoke' is not assumed");
        Fixtures.HasWarning(result, $"{Pets}/post/{Integration}/connectionType", "VPC_LINK is ignored");
        Fixtures.HasWarning(result, $"{Pets}/post/{Integration}/requestParameters", "not applied");
        Fixtures.HasWarning(result, $"{Pet}/put/x-edgegw-lambda/region", "ignored");
        Fixtures.HasWarning(result, $"{Pet}/put/{Integration}/payloadFormatVersion", "'3.0' is not 1.0 or 2.0");
        Fixtures.HasWarning(result, $"{Pet}/delete/{Integration}/uri", "comes from a stage variable; EdgeGw's lambda integrations name a fixed function: operation not imported");
        Fixtures.HasWarning(result, "/paths/~1photos~1{key}/get/x-amazon-apigateway-integration/uri", "is not a Lambda invocation ARN");
        Fixtures.HasWarning(result, "/paths/~1health/get/x-edgegw-lambda", "applies to aws_proxy integrations only");
        Assert.True(result.Warnings.Count == 10, string.Join("\n", result.Warnings));
    }

    [Fact]
    public void HttpApi_AwsProxy_LoadsAndCompiles_WithAnInvokeApiEndpoint()
    {
        var result = Fixtures.Import("petstore-lambda-http-api.yaml", new ImportOptions(LambdaEndpoint: Endpoint));
        Assert.Equal(Endpoint, Fixtures.Route(result, "GET /pets")["integration"]!["endpoint"]!.ToString());
        // A function that is an endpoint itself takes none.
        Assert.Null(Fixtures.Route(result, "GET /local")["integration"]!["endpoint"]);

        // PUT names a profile this machine does not have: it is checked at load, so the route is left out here.
        var routes = (JsonArray)Fixtures.Api(result)["routes"]!;
        routes.Remove(Fixtures.Route(result, "PUT /pets/{petId}"));
        var model = Fixtures.LoadValid(result.Config!).Model!;

        var list = Lambda(model, "GET /pets");
        Assert.True(list.Version2);
        Assert.Equal(TimeSpan.FromMilliseconds(29_000), list.Timeout);
        // At an endpoint (SAM local) the function is named by name and qualifier; the stage is the server's basePath.
        Assert.Equal("/2015-03-31/functions/pets%3Alive/invocations", Encoding.ASCII.GetString(list.InvokeTarget));
        Assert.Equal("lambda:http://127.0.0.1:3001", list.Cluster.Name);
        Assert.Equal("prod", model.RouteList.Single(r => r.RouteKey == "GET /pets").StageName);
        var one = Lambda(model, "GET /pets/{petId}");
        Assert.False(one.Version2);
        Assert.Equal(TimeSpan.FromMilliseconds(5000), one.Timeout);
        Assert.Equal("lambda:http://127.0.0.1:9001", Lambda(model, "GET /local").Cluster.Name);
    }

    [Fact]
    public void RestApi_AwsProxy_IsPayload10_AndWhatAwsDoesNotApplyToProxiesIsNotReported()
    {
        var result = Fixtures.Import("petstore-lambda-rest.yaml", new ImportOptions(LambdaEndpoint: Endpoint));
        Assert.Equal(
            """{"type":"lambda","function":"arn:aws:lambda:us-east-1:123456789012:function:pets","payloadFormatVersion":"1.0","endpoint":"http://127.0.0.1:3001"}""",
            Fixtures.Route(result, "GET /pets")["integration"]!.ToJsonString());
        Assert.Equal(
            """{"type":"lambda","function":"arn:aws:lambda:us-east-1:123456789012:function:pets:7","payloadFormatVersion":"1.0","timeoutMs":12000,"endpoint":"http://127.0.0.1:3001"}""",
            Fixtures.Route(result, "GET /pets/{petId}")["integration"]!.ToJsonString());
        Fixtures.HasWarning(result, "/paths/~1pets~1{petId}/get/x-amazon-apigateway-integration/payloadFormatVersion", "a REST API (Swagger 2.0) sends the 1.0 event");
        Fixtures.HasWarning(result, "/paths/~1pets~1{petId}/get/x-amazon-apigateway-integration/cacheKeyParameters", "ignored");
        Assert.Equal(2, result.Warnings.Count);

        var model = Fixtures.LoadValid(result.Config!).Model!;
        Assert.All(model.RouteList, r => Assert.Equal("test", r.StageName));
        Assert.False(Lambda(model, "GET /pets").Version2);
    }

    [Theory]
    [InlineData("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:f/invocations", "arn:aws:lambda:us-east-1:123456789012:function:f")]
    [InlineData("arn:aws-cn:apigateway:cn-north-1:lambda:path/2015-03-31/functions/arn:aws-cn:lambda:cn-north-1:123456789012:function:f:$LATEST/invocations", "arn:aws-cn:lambda:cn-north-1:123456789012:function:f:$LATEST")]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:f", "arn:aws:lambda:us-east-1:123456789012:function:f")]
    [InlineData("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions//invocations", null)]
    [InlineData("arn:aws:apigateway:us-east-1:s3:path/bucket/key", null)]
    [InlineData("https://lambda.example.com/2015-03-31/functions/f/invocations", null)]
    [InlineData("{\"Fn::Sub\":\"arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations\"}", null)]
    public void FunctionArn_OfAnInvocationUri(string uri, string? expected) =>
        Assert.Equal(expected, OpenApiImporter.FunctionArn(uri));

    [Theory]
    [InlineData("arn:aws:lambda:us-east-1:12345:function:f", "'12345' is not a 12-digit account id")]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:layer:f", "arn:aws:lambda:<region>:<account>:function:<name>")]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:f.g", "'f.g' is not a function name")]
    public void AwsProxy_WithAFunctionArnTheGatewayCannotInvoke_IsReported_AndNotImported(string function, string reason)
    {
        var result = OpenApiImporter.Import("doc.yaml", Encoding.UTF8.GetBytes($$"""
            openapi: 3.0.1
            info: { title: t, version: "1" }
            paths:
              /f:
                get:
                  responses: { default: { description: d } }
                  x-amazon-apigateway-integration:
                    type: aws_proxy
                    httpMethod: POST
                    uri: "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{{function}}/invocations"
                    payloadFormatVersion: "2.0"
            """));
        Assert.Empty((JsonArray)Fixtures.Api(result)["routes"]!);
        Fixtures.HasWarning(result, "/paths/~1f/get/x-amazon-apigateway-integration/uri", reason);
    }

    [Fact]
    public void Export_WritesAwsProxy_WithTheInvocationUri_AndEdgeGwKeysInItsExtension()
    {
        var config = JsonNode.Parse("""
            {"apis": [{"name": "fns", "stages": [{"name": "prod"}], "routes": [
              {"key": "GET /a", "integration": {"type": "lambda", "function": "arn:aws:lambda:eu-west-1:123456789012:function:a:live", "timeoutMs": 3000}},
              {"key": "GET /b", "integration": {"type": "lambda", "function": "arn:aws:lambda:eu-west-1:123456789012:function:b", "payloadFormatVersion": "1.0", "endpoint": "http://127.0.0.1:3001", "profile": "dev"}},
              {"key": "GET /c", "integration": {"type": "lambda", "function": "http://127.0.0.1:9001", "payloadFormatVersion": "2.0"}}
            ]}]}
            """)!.AsObject();
        var exported = OpenApiExporter.Export(config);
        var paths = exported.Document!["paths"]!;

        Assert.Equal(
            """{"type":"aws_proxy","httpMethod":"POST","uri":"arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:a:live/invocations","payloadFormatVersion":"2.0","timeoutInMillis":3000}""",
            paths["/a"]!["get"]!["x-amazon-apigateway-integration"]!.ToJsonString());
        Assert.Null(paths["/a"]!["get"]!["x-edgegw-lambda"]);
        Assert.Equal("""{"endpoint":"http://127.0.0.1:3001","profile":"dev"}""", paths["/b"]!["get"]!["x-edgegw-lambda"]!.ToJsonString());
        Assert.Equal("1.0", paths["/b"]!["get"]!["x-amazon-apigateway-integration"]!["payloadFormatVersion"]!.ToString());
        Assert.Equal("""{"function":"http://127.0.0.1:9001"}""", paths["/c"]!["get"]!["x-edgegw-lambda"]!.ToJsonString());
        Assert.Equal("http://127.0.0.1:9001/2015-03-31/functions/function/invocations", paths["/c"]!["get"]!["x-amazon-apigateway-integration"]!["uri"]!.ToString());
        Assert.Equal(
            ["apis[0].routes[2].integration.function: 'http://127.0.0.1:9001' is an Invoke-API endpoint, not a function ARN: API Gateway cannot import this integration (EdgeGw reads it from x-edgegw-lambda)"],
            exported.Warnings);

        // Read back: the same routes (the absent payload format of GET /a is written as EdgeGw's default, 2.0).
        var imported = OpenApiImporter.Import("exported.json", Encoding.UTF8.GetBytes(exported.ToJson()));
        Assert.Empty(imported.Warnings);
        ((JsonObject)config["apis"]![0]!["routes"]![0]!["integration"]!)["payloadFormatVersion"] = "2.0";
        Assert.Equal(OpenApiRoundTripTests.Normalized(config), OpenApiRoundTripTests.Normalized(imported.Config!));
    }

    [Fact]
    public void Export_WithoutExtensions_WritesNoLambdaIntegration()
    {
        var config = JsonNode.Parse("""
            {"apis": [{"name": "fns", "stages": [{"name": "prod"}], "routes": [
              {"key": "GET /b", "integration": {"type": "lambda", "function": "arn:aws:lambda:eu-west-1:123456789012:function:b", "endpoint": "http://127.0.0.1:3001"}}
            ]}]}
            """)!.AsObject();
        string json = OpenApiExporter.Export(config, new ExportOptions(AwsExtensions: false)).ToJson();
        Assert.DoesNotContain("x-amazon-apigateway", json, StringComparison.Ordinal);
        Assert.DoesNotContain("x-edgegw-lambda", json, StringComparison.Ordinal);
    }

    private static LambdaIntegrationModel Lambda(GatewayModel model, string key) =>
        (LambdaIntegrationModel)model.RouteList.Single(r => r.RouteKey == key).Integration;
}
