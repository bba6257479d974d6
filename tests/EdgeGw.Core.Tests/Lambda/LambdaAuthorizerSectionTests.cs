using System.Text;
using EdgeGw.Core.Authorizers;
using EdgeGw.Core.Lambda;
using EdgeGw.Core.Tests.Configuration;

namespace EdgeGw.Core.Tests.Lambda;

/// <summary>A request authorizer whose integration is a Lambda function: read, checked (JSON paths, all at once) and compiled as a lambda route integration's keys.</summary>
public sealed class LambdaAuthorizerSectionTests
{
    private static string Config(string authorizers, string routes = """{ "key": "GET /a", "authorizer": "fn", "integration": { "type": "mock" } }""") => $$"""
        { "clusters": [ { "name": "auth", "destinations": [ "127.0.0.1:1" ] } ],
          "apis": [ { "name": "a", "stages": [ { "name": "s" } ], "authorizers": [ {{authorizers}} ], "routes": [ {{routes}} ] } ] }
        """;

    private static string Authorizer(string integration, string name = "fn", string extra = "") =>
        $$"""{ "name": "{{name}}", "type": "request", "identitySource": "$request.header.X-Token", "integration": { {{integration}} } {{extra}} }""";

    [Fact]
    public void Compile_AnEndpointFunction_IsInvokedOverTheEndpointsCluster_WithTheAuthorizersTimeout()
    {
        var model = ConfigFixture.Valid(Config(Authorizer("\"type\": \"lambda\", \"function\": \"http://127.0.0.1:9001\", \"timeoutMs\": 2500")));

        var authorizer = Assert.IsType<RequestAuthorizer>(model.RouteList[0].Authorizer!.Authorizer);
        var lambda = Assert.IsType<LambdaIntegrationModel>(authorizer.Settings.Lambda);
        Assert.Equal("/2015-03-31/functions/function/invocations", Encoding.ASCII.GetString(lambda.InvokeTarget));
        Assert.Equal("127.0.0.1:9001", Encoding.ASCII.GetString(lambda.Host));
        Assert.Equal(TimeSpan.FromMilliseconds(2500), lambda.Timeout);
        Assert.Null(lambda.Signing);
        Assert.Equal("lambda:http://127.0.0.1:9001", lambda.Cluster.Name);
        Assert.Same(model.Clusters[lambda.Cluster.Index], lambda.Cluster);
        Assert.Equal("2.0", authorizer.Settings.PayloadFormatVersion);
    }

    [Fact]
    public void Compile_TheDefaultTimeout_IsAwsAuthorizersTenSeconds_AndARouteAndAnAuthorizerOfOneEndpointShareItsCluster()
    {
        var model = ConfigFixture.Valid(Config(
            Authorizer("\"type\": \"lambda\", \"function\": \"arn:aws:lambda:eu-west-1:123456789012:function:auth\", \"endpoint\": \"http://127.0.0.1:9001\""),
            """{ "key": "GET /a", "authorizer": "fn", "integration": { "type": "lambda", "function": "http://127.0.0.1:9001" } }"""));

        var lambda = ((RequestAuthorizer)model.RouteList[0].Authorizer!.Authorizer).Settings.Lambda!;
        Assert.Equal(TimeSpan.FromMilliseconds(10_000), lambda.Timeout);
        Assert.Equal("/2015-03-31/functions/auth/invocations", Encoding.ASCII.GetString(lambda.InvokeTarget));
        Assert.Same(((LambdaIntegrationModel)model.RouteList[0].Integration).Cluster, lambda.Cluster);
        Assert.Single(model.Clusters, c => c.Name.StartsWith(LambdaIntegrationSection.ClusterPrefix, StringComparison.Ordinal));
    }

    [Fact]
    public void Reload_KeepsTheAuthorizerAndItsCache_WhileItsFunctionIsUnchanged()
    {
        string Lambda(string function) => Config(Authorizer($"\"type\": \"lambda\", \"function\": \"{function}\""));
        static RequestAuthorizer Of(Core.Model.GatewayModel model) => (RequestAuthorizer)model.RouteList[0].Authorizer!.Authorizer;

        var first = Of(ConfigFixture.Valid(Lambda("http://127.0.0.1:9101")));
        var same = Of(ConfigFixture.Valid(Lambda("http://127.0.0.1:9101")));
        var moved = Of(ConfigFixture.Valid(Lambda("http://127.0.0.1:9102")));

        Assert.Same(first, same);
        Assert.NotSame(first, moved);
        Assert.Equal("127.0.0.1:9102", Encoding.ASCII.GetString(moved.Settings.Lambda!.Host));
    }

    [Fact]
    public void Compile_TheHttpForm_HasNoLambda()
    {
        var model = ConfigFixture.Valid(Config(Authorizer("\"cluster\": \"auth\", \"uri\": \"/authorize\"")));

        var authorizer = (RequestAuthorizer)model.RouteList[0].Authorizer!.Authorizer;
        Assert.Null(authorizer.Settings.Lambda);
        Assert.Equal("auth", authorizer.Settings.Integration.Cluster.Name);
    }

    [Fact]
    public void Validate_ReportsEveryMistake_WithItsJsonPath()
    {
        var paths = ConfigFixture.ErrorPaths(Config(string.Join(",",
            Authorizer("\"type\": \"lambda\", \"timeoutMs\": 10001", "a"),
            Authorizer("\"type\": \"lambda\", \"function\": \"http://127.0.0.1:9001\", \"cluster\": \"auth\", \"uri\": \"/x\", \"payloadFormatVersion\": \"2.0\"", "b"),
            Authorizer("\"type\": \"lambda\", \"function\": \"arn:aws:lambda:us-east-1:123456789012:function:auth\", \"endpoint\": \"ftp://x/y\", \"timeoutMs\": 10", "c"),
            Authorizer("\"type\": \"lambda\", \"function\": \"not-a-function\"", "d"),
            Authorizer("\"type\": \"lambda\", \"function\": \"http://127.0.0.1:9001\", \"profile\": \"p\"", "e"),
            Authorizer("\"cluster\": \"auth\", \"function\": \"http://127.0.0.1:9001\", \"endpoint\": \"http://127.0.0.1:9002\"", "f"),
            Authorizer("\"type\": \"grpc\", \"cluster\": \"auth\"", "g"),
            Authorizer("\"type\": \"lambda\", \"function\": \"http://127.0.0.1:9001\", \"bogus\": 1", "h")),
            """{ "key": "GET /a", "integration": { "type": "mock" } }"""));

        Assert.Equal(
            [
                "apis[0].authorizers[7].integration.bogus",
                "apis[0].authorizers[0].integration.timeoutMs", "apis[0].authorizers[0].integration.function",
                "apis[0].authorizers[1].integration.cluster", "apis[0].authorizers[1].integration.uri", "apis[0].authorizers[1].integration.payloadFormatVersion",
                "apis[0].authorizers[2].integration.timeoutMs", "apis[0].authorizers[2].integration.endpoint",
                "apis[0].authorizers[3].integration.function",
                "apis[0].authorizers[4].integration.profile",
                "apis[0].authorizers[5].integration.function", "apis[0].authorizers[5].integration.endpoint",
                "apis[0].authorizers[6].integration.type",
            ],
            paths);
    }

    [Fact]
    public void Validate_AnArnWithoutCredentialsOrEndpoint_NamesTheAuthorizer()
    {
        var result = ConfigFixture.Load(Config(Authorizer("\"type\": \"lambda\", \"function\": \"arn:aws:lambda:us-east-1:123456789012:function:auth\"")));

        var error = Assert.Single(result.Errors);
        Assert.Equal("apis[0].authorizers[0].integration.function", error.Path);
        Assert.Contains("authorizer 'fn': invoking AWS Lambda needs credentials", error.Message);
        Assert.Contains("credentials", error.Message);
    }
}
