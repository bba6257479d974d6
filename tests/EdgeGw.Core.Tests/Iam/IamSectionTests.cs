using static EdgeGw.Core.Tests.Configuration.ConfigFixture;

namespace EdgeGw.Core.Tests.Iam;

public sealed class IamSectionTests : IDisposable
{
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private readonly string _directory = Directory.CreateTempSubdirectory("edgegw-iam-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string SecretFile(string content)
    {
        string path = Path.Combine(_directory, Guid.NewGuid().ToString("N"));
        File.WriteAllText(path, content);
        return path;
    }

    private static string Config(string iam, string authorizationType = "AWS_IAM") =>
        $$"""{ "iam": {{iam}}, "apis": [ { "name": "a", "stages": [ { "name": "s" } ], "routes": [ { "key": "GET /x", "authorizationType": "{{authorizationType}}", {{Mock}} } ] } ] }""";

    [Fact]
    public void AwsIamRoute_CompilesWithTheCredentials()
    {
        string file = SecretFile(Secret + "\n");
        var model = Valid(Config($$"""{ "region": "us-east-1", "credentials": [ { "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "secretAccessKeyFile": "{{file}}", "principal": "arn:aws:iam::123456789012:user/ci" } ] }"""));
        var iam = model.RouteList.Single().Iam!;
        Assert.Same(model.Iam, iam);
        Assert.Equal("execute-api"u8.ToArray(), iam.Service);
        Assert.NotNull(iam.Find("AKIAIOSFODNN7EXAMPLE"u8));
        Assert.Null(iam.Find("AKIAIOSFODNN7EXAMPLF"u8));
    }

    [Fact]
    public void NoneRoute_HasNoIamSettings()
    {
        string file = SecretFile(Secret);
        var model = Valid(Config($$"""{ "region": "us-east-1", "credentials": [ { "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "secretAccessKeyFile": "{{file}}", "principal": "p" } ] }""", "NONE"));
        Assert.Null(model.RouteList.Single().Iam);
    }

    [Fact]
    public void SecretFromEnvironment_IsRead()
    {
        string variable = "EDGEGW_TEST_IAM_SECRET_" + Guid.NewGuid().ToString("N");
        Environment.SetEnvironmentVariable(variable, Secret);
        try
        {
            var model = Valid(Config($$"""{ "region": "us-east-1", "credentials": [ { "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "secretAccessKeyEnv": "{{variable}}", "principal": "p" } ] }"""));
            Assert.Equal(1, model.Iam!.Count);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void AwsIam_WithoutIamSection_IsAnError()
    {
        var paths = ErrorPaths("""{ "apis": [ { "name": "a", "stages": [ { "name": "s" } ], "routes": [ { "key": "GET /x", "authorizationType": "AWS_IAM", "integration": { "type": "mock" } } ] } ] }""");
        Assert.Contains("apis[0].routes[0].authorizationType", paths);
    }

    [Fact]
    public void EveryProblem_IsReportedWithItsPath_AndNoSecret()
    {
        string shortSecret = SecretFile("tooShortSecret");
        var result = Load(Config($$"""
            { "region": "US East", "service": "Execute API", "credentials": [
              { "accessKeyId": "short", "secretAccessKeyFile": "{{shortSecret}}", "principal": "" },
              { "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "secretAccessKeyFile": "{{shortSecret}}", "secretAccessKeyEnv": "X", "principal": "p" },
              { "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "secretAccessKeyFile": "{{Path.Combine(_directory, "missing")}}", "principal": "p q" },
              { "accessKeyId": "AKIAIOSFODNN7EXAMPLF", "secretAccessKeyEnv": "EDGEGW_TEST_UNSET_VARIABLE_0b6c", "principal": "p" } ] }
            """, "SIGV4"));
        Assert.Null(result.Model);
        var paths = result.Errors.Select(e => e.Path).ToList();
        Assert.Contains("iam.region", paths);
        Assert.Contains("iam.service", paths);
        Assert.Contains("iam.credentials[0].accessKeyId", paths);
        Assert.Contains("iam.credentials[0].secretAccessKeyFile", paths);
        Assert.Contains("iam.credentials[0].principal", paths);
        Assert.Contains("iam.credentials[1]", paths);
        Assert.Contains("iam.credentials[2].accessKeyId", paths);
        Assert.Contains("iam.credentials[2].secretAccessKeyFile", paths);
        Assert.Contains("iam.credentials[2].principal", paths);
        Assert.Contains("iam.credentials[3].secretAccessKeyEnv", paths);
        Assert.Contains("apis[0].routes[0].authorizationType", paths);
        Assert.DoesNotContain(result.Errors, e => e.Message.Contains("tooShortSecret", StringComparison.Ordinal));
    }

    [Fact]
    public void WebSocketApi_AwsIamOnConnect_GuardsTheHandshake()
    {
        string file = SecretFile(Secret);
        var model = Valid($$"""
            { "iam": { "region": "us-east-1", "credentials": [ { "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "secretAccessKeyFile": "{{file}}", "principal": "p" } ] },
              "apis": [ { "name": "ws", "protocol": "websocket", "routeSelectionExpression": "$request.body.action", "stages": [ { "name": "s" } ],
                "routes": [ { "key": "$connect", "authorizationType": "AWS_IAM", "integration": { "type": "mock" } }, { "key": "$default", "integration": { "type": "mock" } } ] } ] }
            """);
        Assert.NotNull(model.RouteList.Single().Iam);
    }
}
