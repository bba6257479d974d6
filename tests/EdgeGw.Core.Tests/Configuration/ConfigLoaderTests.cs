using EdgeGw.Core.Configuration;
using EdgeGw.Core.Model;
using EdgeGw.Core.Routing;
using static EdgeGw.Core.Tests.Configuration.ConfigFixture;

namespace EdgeGw.Core.Tests.Configuration;

public sealed class ConfigLoaderTests
{
    [Fact]
    public void EmptyDocument_TakesTheDocumentedDefaults()
    {
        var model = Valid("{}");

        Assert.Equal([ListenEntry.Plain(ServerSection.DefaultListen)], model.Server.Listen.ToArray());
        Assert.Equal(TimeSpan.FromSeconds(30), model.Server.DrainTimeout);
        Assert.Equal(TimeSpan.FromSeconds(120), model.Server.KeepAliveTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), model.Server.RequestHeadTimeout);
        Assert.Equal(8192, model.Server.Limits.MaxRequestLineBytes);
        Assert.Equal(32768, model.Server.Limits.MaxHeaderBytes);
        Assert.Equal(100, model.Server.Limits.MaxHeaderCount);
        Assert.Equal(10L * 1024 * 1024, model.Server.Limits.MaxBodyBytes);
        Assert.Equal(0, model.Routes.Count);
    }

    [Fact]
    public void Cluster_DefaultsAndDestinations_AreCompiled()
    {
        var model = Valid("""
            { "clusters": [ { "name": "c", "destinations": [ "127.0.0.1:81", "[::1]:82", "backend.internal:83" ] } ] }
            """);

        var cluster = Assert.Single(model.Clusters);
        Assert.Equal(LoadBalancingPolicy.RoundRobin, cluster.LoadBalancing);
        Assert.Equal(1024, cluster.Pool.MaxConnectionsPerDestination);
        Assert.Equal(TimeSpan.FromMilliseconds(5000), cluster.Pool.ConnectTimeout);
        Assert.Equal(TimeSpan.FromSeconds(60), cluster.Pool.IdleTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(29000), cluster.Pool.ResponseTimeout);
        Assert.Equal(["127.0.0.1:81", "[::1]:82", "backend.internal:83"], cluster.Destinations.Select(d => d.Authority));
        Assert.Equal("::1", cluster.Destinations[1].Host);
    }

    [Fact]
    public void EveryError_IsReportedAtOnce_WithItsJsonPath()
    {
        var paths = ErrorPaths("""
            {
              "server": { "listen": [ "https://0.0.0.0:443" ], "keepAliveTimeoutSeconds": 0, "limits": { "maxHeaderCount": -1, "maxBodyBytes": "lots" } },
              "clusters": [ { "name": "c", "loadBalancing": "Random", "destinations": [ "no-port" ] }, { "name": "c", "destinations": [] } ],
              "apis": [
                { "name": "a", "stages": [ { "name": "bad stage" }, { "name": "s", "variables": { "v": "a b" } } ],
                  "routes": [
                    { "key": "FETCH /x", "integration": { "type": "mock" } },
                    { "key": "GET /y", "integration": { "type": "http", "cluster": "missing" } },
                    { "key": "GET /z/{id}", "integration": { "type": "http", "cluster": "c", "uri": "/{nope}" } },
                    { "key": "GET /z/{other}", "integration": { "type": "mock", "status": 700 } },
                    { "key": "GET /w", "integration": { "type": "soap" } },
                    { "key": "GET /q", "integration": { "type": "mock", "cluster": "c" } }
                  ] },
                { "name": "", "stages": [] }
              ],
              "unknown": 1
            }
            """);

        Assert.Equal(
            new[]
            {
                "unknown",
                "server.listen[0]",
                "server.keepAliveTimeoutSeconds",
                "server.limits.maxHeaderCount",
                "server.limits.maxBodyBytes",
                "clusters[0].loadBalancing",
                "clusters[0].destinations[0]",
                "clusters[1].name",
                "clusters[1].destinations",
                "apis[0].stages[0].name",
                "apis[0].stages[1].variables.v",
                "apis[0].routes[0].key",
                "apis[0].routes[1].integration.cluster",
                "apis[0].routes[2].integration.uri",
                "apis[0].routes[3].key",
                "apis[0].routes[3].integration.status",
                "apis[0].routes[4].integration.type",
                "apis[0].routes[5].integration.cluster",
                "apis[1].name",
                "apis[1].stages",
            }.Order(),
            paths.Order());
    }

    [Theory]
    [InlineData("GET pets", "must start with '/'")]
    [InlineData("GET /a//b", "empty segment")]
    [InlineData("GET /a/{p+}/b", "must be the last segment")]
    [InlineData("GET /a/{p}/{p}", "appears twice")]
    [InlineData("GET /a/{p", "whole {name}")]
    [InlineData("GET /a/x{p}", "not allowed")]
    [InlineData("GET /a/../b", "dot segment")]
    [InlineData("get /a", "unsupported method")]
    [InlineData("GET  /a", "not a route key")]
    [InlineData("GET", "not a route key")]
    public void RouteKey_Invalid_IsExplained(string key, string expected)
    {
        var result = Load(Api($$"""{ "key": "{{key}}", {{Mock}} }"""));

        var error = Assert.Single(result.Errors);
        Assert.Equal("apis[0].routes[0].key", error.Path);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RouteKeys_WithTheSameShape_Conflict_EvenWithOtherParameterNames()
    {
        var paths = ErrorPaths(Api($$"""{ "key": "GET /p/{id}", {{Mock}} }, { "key": "GET /p/{name}", {{Mock}} }"""));
        Assert.Equal(["apis[0].routes[1].key"], paths);
    }

    [Fact]
    public void SameStage_OnTheSameHost_InTwoApis_Conflicts()
    {
        var paths = ErrorPaths($$"""
            { "apis": [
                { "name": "a", "stages": [ { "name": "prod" } ], "routes": [ { "key": "GET /x", {{Mock}} } ] },
                { "name": "b", "stages": [ { "name": "prod" } ], "routes": [ { "key": "GET /y", {{Mock}} } ] },
                { "name": "c", "hosts": [ "c.example" ], "stages": [ { "name": "prod" } ], "routes": [ { "key": "GET /z", {{Mock}} } ] } ] }
            """);
        Assert.Equal(["apis[1].stages[0].name"], paths);
    }

    [Fact]
    public void StageVariable_MissingInOneStage_IsAnError()
    {
        var paths = ErrorPaths("""
            { "clusters": [ { "name": "c", "destinations": [ "127.0.0.1:1" ] } ],
              "apis": [ { "name": "a", "stages": [ { "name": "s1", "variables": { "v": "x" } }, { "name": "s2" } ],
                "routes": [ { "key": "GET /p", "integration": { "type": "http", "cluster": "c", "uri": "/${stageVariables.v}/p" } } ] } ] }
            """);
        Assert.Equal(["apis[0].routes[0].integration.uri"], paths);
    }

    [Fact]
    public void HttpIntegration_UriTemplate_IsCompiledPerStage()
    {
        var model = Valid("""
            { "clusters": [ { "name": "c", "destinations": [ "127.0.0.1:1" ], "responseTimeoutMs": 1234 } ],
              "apis": [ { "name": "a", "stages": [ { "name": "s1", "variables": { "v": "one" } }, { "name": "s2", "variables": { "v": "two" } } ],
                "routes": [ { "key": "GET /p/{id}/{rest+}", "integration": { "type": "http", "cluster": "c", "uri": "/${stageVariables.v}/x/{rest}/{id}" } } ] } ] }
            """);

        Assert.Equal(2, model.Routes.Count);
        var route = Match(model, "/s2/p/7/a/b");
        var http = Assert.IsType<HttpIntegrationModel>(route.Integration);
        Assert.Equal(TimeSpan.FromMilliseconds(1234), http.ResponseTimeout);
        Assert.Equal(["id", "rest"], route.ParameterNames.ToArray());
        Assert.Collection(
            http.PathTemplate,
            p => Assert.Equal("/two/x/", System.Text.Encoding.ASCII.GetString(p.Literal)),
            p => Assert.Equal((UriTemplatePartKind.Capture, 1), (p.Kind, p.CaptureIndex)),
            p => Assert.Equal("/", System.Text.Encoding.ASCII.GetString(p.Literal)),
            p => Assert.Equal((UriTemplatePartKind.Capture, 0), (p.Kind, p.CaptureIndex)));
    }

    [Fact]
    public void RouteBodyLimit_OverridesTheServerDefault()
    {
        var model = Valid(Api($$"""{ "key": "POST /big", "maxBodyBytes": 5, {{Mock}} }, { "key": "POST /small", {{Mock}} }""",
            """ "server": { "limits": { "maxBodyBytes": 7 } }, """));

        Assert.Equal(5, Match(model, "/s/big", Protocols.Http1.HttpMethod.Post).MaxBodyBytes);
        Assert.Equal(7, Match(model, "/s/small", Protocols.Http1.HttpMethod.Post).MaxBodyBytes);
    }

    [Fact]
    public void MockIntegration_StatusHeadersAndBody_AreCompiled()
    {
        var model = Valid(Api("""{ "key": "GET /m", "integration": { "type": "mock", "status": 418, "headers": { "X-Tea": "pot" }, "body": "é" } }"""));

        var mock = Assert.IsType<MockIntegrationModel>(Match(model, "/s/m").Integration);
        Assert.Equal(418, mock.StatusCode);
        var header = Assert.Single(mock.Headers);
        Assert.Equal("X-Tea"u8.ToArray(), header.Name);
        Assert.Equal("pot"u8.ToArray(), header.Value);
        Assert.Equal("é"u8.ToArray(), mock.Body);
    }

    [Theory]
    [InlineData("Content-Length")]
    [InlineData("transfer-encoding")]
    [InlineData("Connection")]
    public void MockIntegration_FramingHeaders_AreRejected(string name)
    {
        var paths = ErrorPaths(Api($$"""{ "key": "GET /m", "integration": { "type": "mock", "headers": { "{{name}}": "1" } } }"""));
        Assert.Equal([$"apis[0].routes[0].integration.headers.{name}"], paths);
    }

    [Theory]
    [InlineData(204)]
    [InlineData(304)]
    public void MockIntegration_BodylessStatusWithBody_IsRejected(int status)
    {
        var paths = ErrorPaths(Api($$"""{ "key": "GET /m", "integration": { "type": "mock", "status": {{status}}, "body": "x" } }"""));
        Assert.Equal(["apis[0].routes[0].integration.body"], paths);
    }

    [Fact]
    public void EnvironmentAndCommandLine_OverrideTheFile_CommandLineLast()
    {
        var model = Valid(
            """{ "server": { "limits": { "maxHeaderCount": 10, "maxHeaderBytes": 1000 } } }""",
            commandLine: ["--server:limits:maxHeaderCount=30"],
            environment: new()
            {
                ["EDGEGW_server__limits__maxHeaderCount"] = "20",
                ["EDGEGW_server__limits__maxHeaderBytes"] = "2000",
                ["OTHER_server__limits__maxRequestLineBytes"] = "1",
            });

        Assert.Equal(30, model.Server.Limits.MaxHeaderCount);
        Assert.Equal(2000, model.Server.Limits.MaxHeaderBytes);
        Assert.Equal(8192, model.Server.Limits.MaxRequestLineBytes);
    }

    [Fact]
    public void ConfigKeyFromEdgegwConfigVariable_IsNotAnUnknownKey()
    {
        var result = Load("{}", environment: new() { ["EDGEGW_CONFIG"] = "/etc/edgegw.json" });
        Assert.NotNull(result.Model);
    }

    [Fact]
    public void EdgegwVariableThatIsNoConfigKey_IsIgnoredAndListed()
    {
        var environment = new Dictionary<string, string>
        {
            ["EDGEGW_HOME"] = "/opt/edgegw",
            ["EDGEGW_TEST_TRANSPORT"] = "sockets",
            ["EDGEGW_CONFIG"] = "/etc/edgegw.json",
            ["EDGEGW_SERVER__LIMITS__MAXHEADERCOUNT"] = "20",
            ["OTHER_HOME"] = "x",
        };

        var model = Valid("{}", environment: environment);

        Assert.Equal(20, model.Server.Limits.MaxHeaderCount);
        Assert.Equal(["EDGEGW_HOME", "EDGEGW_TEST_TRANSPORT"], GatewayConfiguration.IgnoredVariables(environment));
    }

    [Fact]
    public void EdgegwVariableUnderAKnownSection_IsStillCheckedAsAKey()
    {
        var result = Load("{}", environment: new() { ["EDGEGW_server__bogus"] = "1" });
        Assert.Equal(["server.bogus"], result.Errors.Select(e => e.Path));
    }

    [Fact]
    public void ArrayOverride_BeyondTheEnd_IsReported()
    {
        var paths = ErrorPaths("""{ "server": { "listen": [ "http://127.0.0.1:1" ] } }""", ["--server:listen:2=http://127.0.0.1:2"]);
        Assert.Equal(["server.listen[2]"], paths);
    }

    [Fact]
    public void Format_ListsEveryErrorOnItsOwnLine()
    {
        var result = Load("""{ "server": { "drainTimeoutSeconds": -1, "requestHeadTimeoutSeconds": 0 } }""");
        string[] lines = result.Format().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains(lines, l => l.Contains("server.drainTimeoutSeconds: -1 is outside 0..3600", StringComparison.Ordinal));
    }

    private static RouteModel Match(GatewayModel model, string path, Protocols.Http1.HttpMethod method = Protocols.Http1.HttpMethod.Get)
    {
        RouteMatch<RouteModel> match = default;
        Assert.True(model.Routes.TryMatch("h"u8, method, System.Text.Encoding.ASCII.GetBytes(path), ref match), $"no route for {path}");
        return match.Route!;
    }
}
