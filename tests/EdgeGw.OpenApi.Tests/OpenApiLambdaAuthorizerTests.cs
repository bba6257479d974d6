using System.Text;
using System.Text.Json.Nodes;

namespace EdgeGw.OpenApi.Tests;

/// <summary>
/// <c>x-amazon-apigateway-authorizer</c> with a Lambda invocation URI: imported as a request authorizer with a lambda
/// integration (the HTTP API keys as the HTTP form's), what cannot be invoked reported with its pointer (the routes
/// that need it left out, never served open), and exported back with EdgeGw's keys in the scheme's extension.
/// </summary>
public sealed class OpenApiLambdaAuthorizerTests
{
    private const string Uri = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:auth:live/invocations";

    private static ImportResult Import(string authorizer, string extension = "", ImportOptions? options = null) => OpenApiImporter.Import("doc.yaml", Encoding.UTF8.GetBytes($$"""
        openapi: 3.0.1
        info: { title: partners, version: "1" }
        components:
          securitySchemes:
            fn:
              type: apiKey
              name: X-Token
              in: header
              x-amazon-apigateway-authtype: custom
        {{extension}}
              x-amazon-apigateway-authorizer:
        {{authorizer}}
        paths:
          /orders:
            get:
              security: [ { fn: [] } ]
              responses: { "200": { description: ok } }
              x-amazon-apigateway-integration: { type: http_proxy, httpMethod: GET, uri: "http://orders.backend.example/orders", payloadFormatVersion: "1.0" }
        """), options);

    [Fact]
    public void HttpApi_LambdaRequestAuthorizer_ImportsWithItsFunction_AndLoads()
    {
        var result = Import("""
                    type: request
                    identitySource: "$request.header.X-Token"
                    authorizerUri: "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:auth:live/invocations"
                    authorizerPayloadFormatVersion: "2.0"
                    enableSimpleResponses: true
                    authorizerResultTtlInSeconds: 120
            """, options: new ImportOptions(LambdaEndpoint: "http://127.0.0.1:3001"));

        Assert.Empty(result.Warnings);
        var authorizer = Fixtures.Api(result)["authorizers"]![0]!;
        Assert.Equal(
            """{"name":"fn","identitySource":"$request.header.X-Token","type":"request","integration":{"type":"lambda","function":"arn:aws:lambda:eu-west-1:123456789012:function:auth:live","endpoint":"http://127.0.0.1:3001"},"payloadFormatVersion":"2.0","enableSimpleResponses":true,"resultTtlSeconds":120}""",
            authorizer.ToJsonString());
        Assert.Equal("fn", Fixtures.Route(result, "GET /orders")["authorizer"]!.ToString());
        var model = Fixtures.LoadValid(result.Config!).Model!;
        var compiled = (EdgeGw.Core.Authorizers.RequestAuthorizer)model.RouteList[0].Authorizer!.Authorizer;
        Assert.Equal("/2015-03-31/functions/auth%3Alive/invocations", Encoding.ASCII.GetString(compiled.Settings.Lambda!.InvokeTarget));
        Assert.Equal(120, compiled.Settings.ResultTtlSeconds);
    }

    [Fact]
    public void TheSchemesExtension_GivesAnInvokeApiFunction_OrAnArnsEndpointAndProfile()
    {
        var endpointFunction = Import($"""
                    type: request
                    identitySource: "$request.header.X-Token"
                    authorizerUri: "http://127.0.0.1:9001/2015-03-31/functions/function/invocations"
            """, """
                  x-edgegw-lambda: { function: "http://127.0.0.1:9001" }
            """);
        var arn = Import($"""
                    type: request
                    identitySource: "$request.header.X-Token"
                    authorizerUri: "{Uri}"
            """, """
                  x-edgegw-lambda: { endpoint: "http://127.0.0.1:3001", profile: dev, region: x }
            """);

        Assert.Equal("""{"type":"lambda","function":"http://127.0.0.1:9001"}""", Fixtures.Api(endpointFunction)["authorizers"]![0]!["integration"]!.ToJsonString());
        Assert.Empty(endpointFunction.Warnings);
        Assert.Equal("""{"type":"lambda","function":"arn:aws:lambda:eu-west-1:123456789012:function:auth:live","endpoint":"http://127.0.0.1:3001","profile":"dev"}""",
            Fixtures.Api(arn)["authorizers"]![0]!["integration"]!.ToJsonString());
        Fixtures.HasWarning(arn, "/components/securitySchemes/fn/x-edgegw-lambda/region", "ignored");
    }

    [Theory]
    [InlineData("arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/${stageVariables.fn}/invocations", "comes from a stage variable")]
    [InlineData("arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:12345:function:auth/invocations", "12-digit account id")]
    [InlineData("arn:aws:apigateway:eu-west-1:s3:path/bucket/key", "is not a Lambda invocation ARN")]
    [InlineData("ftp://auth.example/x", "is neither a Lambda invocation ARN")]
    public void AnAuthorizerEdgeGwCannotInvoke_IsReported_AndItsRoutesAreLeftOut(string uri, string reason)
    {
        var result = Import($"""
                    type: request
                    identitySource: "$request.header.X-Token"
                    authorizerUri: "{uri}"
            """);

        Fixtures.HasWarning(result, "/components/securitySchemes/fn/x-amazon-apigateway-authorizer/authorizerUri", reason);
        Fixtures.HasWarning(result, "/paths/~1orders/get", "operation not imported");
        Assert.Empty((JsonArray)Fixtures.Api(result)["routes"]!);
    }

    [Fact]
    public void Export_WritesTheInvocationUri_AndEdgeGwKeysInTheSchemesExtension_AndReadsBack()
    {
        var config = JsonNode.Parse("""
            {"apis": [{"name": "fns", "stages": [{"name": "prod"}],
              "authorizers": [
                {"name": "a", "type": "request", "identitySource": "$request.header.X-A", "payloadFormatVersion": "2.0", "enableSimpleResponses": true, "resultTtlSeconds": 60,
                 "integration": {"type": "lambda", "function": "arn:aws:lambda:eu-west-1:123456789012:function:auth:live"}},
                {"name": "b", "type": "request", "identitySource": "$request.header.X-B", "payloadFormatVersion": "1.0", "resultTtlSeconds": 0,
                 "integration": {"type": "lambda", "function": "arn:aws:lambda:eu-west-1:123456789012:function:auth", "endpoint": "http://127.0.0.1:3001", "profile": "dev"}},
                {"name": "c", "type": "request", "identitySource": "$request.header.X-C", "payloadFormatVersion": "2.0", "resultTtlSeconds": 5,
                 "integration": {"type": "lambda", "function": "http://127.0.0.1:9001"}}],
              "routes": [
                {"key": "GET /a", "authorizer": "a", "integration": {"type": "mock", "status": 200}},
                {"key": "GET /b", "authorizer": "b", "integration": {"type": "mock", "status": 200}},
                {"key": "GET /c", "authorizer": "c", "integration": {"type": "mock", "status": 200}}]}]}
            """)!.AsObject();
        var exported = OpenApiExporter.Export(config);
        var schemes = exported.Document!["components"]!["securitySchemes"]!;

        Assert.Equal(
            $$"""{"type":"request","identitySource":"$request.header.X-A","authorizerUri":"{{Uri}}","authorizerPayloadFormatVersion":"2.0","enableSimpleResponses":true,"authorizerResultTtlInSeconds":60}""",
            schemes["a"]!["x-amazon-apigateway-authorizer"]!.ToJsonString());
        Assert.Null(schemes["a"]!["x-edgegw-lambda"]);
        Assert.Equal("""{"endpoint":"http://127.0.0.1:3001","profile":"dev"}""", schemes["b"]!["x-edgegw-lambda"]!.ToJsonString());
        Assert.Equal("""{"function":"http://127.0.0.1:9001"}""", schemes["c"]!["x-edgegw-lambda"]!.ToJsonString());
        Assert.Equal("http://127.0.0.1:9001/2015-03-31/functions/function/invocations", schemes["c"]!["x-amazon-apigateway-authorizer"]!["authorizerUri"]!.ToString());
        Assert.Single(exported.Warnings, w => w.StartsWith("apis[0].authorizers[2].integration.function: 'http://127.0.0.1:9001' is an Invoke-API endpoint", StringComparison.Ordinal));

        var imported = OpenApiImporter.Import("exported.json", Encoding.UTF8.GetBytes(exported.ToJson()));
        Assert.Empty(imported.Warnings);
        Assert.Equal(OpenApiRoundTripTests.Normalized(config), OpenApiRoundTripTests.Normalized(imported.Config!));
    }
}
