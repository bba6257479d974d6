using System.Text;
using EdgeGw.Core.Lambda;
using EdgeGw.Core.Tests.Configuration;

namespace EdgeGw.Core.Tests.Lambda;

public sealed class LambdaIntegrationSectionTests
{
    private static string Route(string integration, string key = "GET /pets") => $$"""{ "key": "{{key}}", "integration": { "type": "lambda", {{integration}} } }""";

    [Fact]
    public void Compile_AnEndpointFunction_IsAnUnsignedInvokeOfTheEmulatorsFunction_OverAClusterOfItsOwn()
    {
        var model = ConfigFixture.Valid(ConfigFixture.Api(Route("\"function\": \"http://127.0.0.1:9001\"")));

        var lambda = Assert.IsType<LambdaIntegrationModel>(Assert.Single(model.RouteList).Integration);
        Assert.Equal("/2015-03-31/functions/function/invocations", Encoding.ASCII.GetString(lambda.InvokeTarget));
        Assert.Equal("127.0.0.1:9001", Encoding.ASCII.GetString(lambda.Host));
        Assert.True(lambda.Version2);
        Assert.Equal(TimeSpan.FromMilliseconds(29_000), lambda.Timeout);
        Assert.Null(lambda.Signing);
        Assert.Same(model.Clusters[lambda.Cluster.Index], lambda.Cluster);
        Assert.Equal("lambda:http://127.0.0.1:9001", lambda.Cluster.Name);
        Assert.Equal("127.0.0.1:9001", Assert.Single(lambda.Cluster.Destinations).Authority);
    }

    [Fact]
    public void Compile_RoutesOfOneEndpoint_ShareOneCluster_AfterTheWrittenClusters()
    {
        var model = ConfigFixture.Valid("""
            { "clusters": [ { "name": "c", "destinations": [ "127.0.0.1:1" ] } ],
              "apis": [ { "name": "a", "stages": [ { "name": "s" } ], "routes": [
                { "key": "GET /a", "integration": { "type": "lambda", "function": "http://127.0.0.1:9001" } },
                { "key": "GET /b", "integration": { "type": "lambda", "function": "http://127.0.0.1:9001", "payloadFormatVersion": "1.0", "timeoutMs": 50 } },
                { "key": "GET /c", "integration": { "type": "http", "cluster": "c" } } ] } ] }
            """);

        Assert.Equal(["c", "lambda:http://127.0.0.1:9001"], model.Clusters.Select(c => c.Name));
        var b = Assert.IsType<LambdaIntegrationModel>(model.RouteList[1].Integration);
        Assert.Same(((LambdaIntegrationModel)model.RouteList[0].Integration).Cluster, b.Cluster);
        Assert.False(b.Version2);
        Assert.Equal(TimeSpan.FromMilliseconds(50), b.Timeout);
    }

    [Fact]
    public void Compile_AnArnWithAnEndpoint_InvokesTheNameAndQualifier_There()
    {
        var model = ConfigFixture.Valid(ConfigFixture.Api(Route(
            "\"function\": \"arn:aws:lambda:eu-west-1:123456789012:function:pets:live\", \"endpoint\": \"http://localhost:3001\"")));

        var lambda = (LambdaIntegrationModel)model.RouteList[0].Integration;
        Assert.Equal("/2015-03-31/functions/pets%3Alive/invocations", Encoding.ASCII.GetString(lambda.InvokeTarget));
        Assert.Equal("localhost:3001", Encoding.ASCII.GetString(lambda.Host));
    }

    [Fact]
    public void Validate_ReportsEveryMistake_WithItsJsonPath()
    {
        var paths = ConfigFixture.ErrorPaths(ConfigFixture.Api(string.Join(",",
            Route("\"timeoutMs\": 10, \"payloadFormatVersion\": \"3.0\"", "GET /a"),
            Route("\"function\": \"arn:aws:lambda:us-east-1:12345:function:pets\"", "GET /b"),
            Route("\"function\": \"http://127.0.0.1:9001\", \"endpoint\": \"http://127.0.0.1:9002\", \"cluster\": \"c\", \"body\": \"x\"", "GET /c"),
            Route("\"function\": \"arn:aws:lambda:us-east-1:123456789012:function:pets\", \"endpoint\": \"ftp://x/y\", \"timeoutMs\": 30000", "GET /d"),
            Route("\"function\": \"not-a-function\"", "GET /e"))));

        Assert.Equal(
            [
                "apis[0].routes[0].integration.timeoutMs", "apis[0].routes[0].integration.payloadFormatVersion", "apis[0].routes[0].integration.function",
                "apis[0].routes[1].integration.function",
                "apis[0].routes[2].integration.body", "apis[0].routes[2].integration.cluster", "apis[0].routes[2].integration.endpoint",
                "apis[0].routes[3].integration.timeoutMs", "apis[0].routes[3].integration.endpoint",
                "apis[0].routes[4].integration.function",
            ],
            paths);
    }

    [Fact]
    public void Validate_LambdaKeysOnAnHttpIntegration_AreForeign()
    {
        var paths = ConfigFixture.ErrorPaths("""
            { "clusters": [ { "name": "c", "destinations": [ "127.0.0.1:1" ] } ],
              "apis": [ { "name": "a", "stages": [ { "name": "s" } ], "routes": [
                { "key": "GET /a", "integration": { "type": "http", "cluster": "c", "function": "http://127.0.0.1:9001" } } ] } ] }
            """);

        Assert.Equal(["apis[0].routes[0].integration.function"], paths);
    }

    [Fact]
    public void Validate_AWebSocketApisLambda_TakesNoPayloadFormatVersion()
    {
        var paths = ConfigFixture.ErrorPaths("""
            { "apis": [ { "name": "ws", "protocol": "websocket", "stages": [ { "name": "s" } ], "routes": [
                { "key": "$default", "integration": { "type": "lambda", "function": "http://127.0.0.1:9001", "payloadFormatVersion": "2.0" } } ] } ] }
            """);

        Assert.Equal(["apis[0].routes[0].integration.payloadFormatVersion"], paths);
    }

    [Theory]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:pets", true, "us-east-1", "pets", null)]
    [InlineData("arn:aws:lambda:eu-west-1:123456789012:function:my-fn_2:$LATEST", true, "eu-west-1", "my-fn_2", "$LATEST")]
    [InlineData("arn:aws-cn:lambda:cn-north-1:123456789012:function:pets:7", true, "cn-north-1", "pets", "7")]
    [InlineData("http://127.0.0.1:9001", false, "", "function", null)]
    public void LambdaFunction_Parses_ArnsAndEndpoints(string text, bool arn, string region, string name, string? qualifier)
    {
        Assert.True(LambdaFunction.TryParse(text, out var function, out string error), error);
        Assert.Equal(arn, function.IsArn);
        Assert.Equal(region, function.Region);
        Assert.Equal(name, function.Name);
        Assert.Equal(qualifier, function.Qualifier);
    }

    [Theory]
    [InlineData("arn:aws:s3:us-east-1:123456789012:function:pets")]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:layer:pets")]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:")]
    [InlineData("arn:aws:lambda:US_EAST:123456789012:function:pets")]
    [InlineData("http://127.0.0.1:9001/path")]
    public void LambdaFunction_RefusesWhatIsNeither(string text) => Assert.False(LambdaFunction.TryParse(text, out _, out _));

    [Fact]
    public void Credentials_ComeFromTheEnvironment_ThenTheProfileInTheSharedFiles()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"edgegw-aws-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            File.WriteAllText(Path.Combine(directory, "credentials"), "[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = s1\n\n[ci]\naws_access_key_id=AKIDCI\naws_secret_access_key=s2\naws_session_token=t2\n");
            File.WriteAllText(Path.Combine(directory, "config"), "[profile cfg]\naws_access_key_id = AKIDCFG\naws_secret_access_key = s3\n");
            var env = new Dictionary<string, string?>
            {
                ["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(directory, "credentials"),
                ["AWS_CONFIG_FILE"] = Path.Combine(directory, "config"),
                ["HOME"] = directory,
            };
            string? Lookup(string name) => env.GetValueOrDefault(name);

            Assert.Equal("AKIDDEFAULT", AwsCredentialSource.Find(null, Lookup)?.AccessKeyId);
            Assert.Equal(("AKIDCI", "t2"), AwsCredentialSource.Find("ci", Lookup) is { } ci ? (ci.AccessKeyId, ci.SessionToken) : default);
            Assert.Equal("AKIDCFG", AwsCredentialSource.Find("cfg", Lookup)?.AccessKeyId);
            Assert.Null(AwsCredentialSource.Find("missing", Lookup));
            env["AWS_ACCESS_KEY_ID"] = "AKIDENV";
            env["AWS_SECRET_ACCESS_KEY"] = "s4";
            env["AWS_SESSION_TOKEN"] = "t4";
            Assert.Equal(("AKIDENV", "t4"), AwsCredentialSource.Find(null, Lookup) is { } fromEnv ? (fromEnv.AccessKeyId, fromEnv.SessionToken) : default);
            // A profile named in the config wins over the environment.
            Assert.Equal("AKIDCI", AwsCredentialSource.Find("ci", Lookup)?.AccessKeyId);
            env["AWS_PROFILE"] = "ci";
            env.Remove("AWS_ACCESS_KEY_ID");
            Assert.Equal("AKIDCI", AwsCredentialSource.Find(null, Lookup)?.AccessKeyId);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
