using System.Text.Json;
using EdgeGw.Core.Deployments;
using EdgeGw.Core.Model;
using EdgeGw.Core.Routing;
using EdgeGw.Core.WebSockets;
using EdgeGw.Protocols.Http1;
using static EdgeGw.Core.Tests.Configuration.ConfigFixture;

namespace EdgeGw.Core.Tests.Deployments;

/// <summary>Deployments through the real loader: a store in a directory of the test's own, snapshots, stage pointers and canaries.</summary>
public sealed class DeploymentConfigTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"edgegw-deployments-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>API "a", stage "s" (and "t"), one mock route answering <paramref name="body"/>; <paramref name="canary"/> is the stage's canary object.</summary>
    private string Config(string body, string? canary = null, string extraRoute = "") => $$"""
        {
          "deployments": { "directory": {{JsonSerializer.Serialize(_directory)}} },
          "apis": [ { "name": "a",
            "stages": [ { "name": "s", "variables": { "v": "live" } {{(canary is null ? "" : $", \"canary\": {canary}")}} }, { "name": "t" } ],
            "routes": [ { "key": "GET /x", "integration": { "type": "mock", "body": "{{body}}" } } {{extraRoute}} ] } ]
        }
        """;

    private static string Body(GatewayModel model, string stage, bool canary = false)
    {
        var table = canary ? model.CanaryRoutes! : model.Routes;
        RouteMatch<RouteModel> match = default;
        Assert.True(table.TryMatch("h"u8, HttpMethod.Get, System.Text.Encoding.ASCII.GetBytes($"/{stage}/x"), ref match));
        return System.Text.Encoding.UTF8.GetString(((MockIntegrationModel)match.Route!.Integration).Body);
    }

    private static RouteModel Route(GatewayModel model, string stage)
    {
        RouteMatch<RouteModel> match = default;
        Assert.True(model.Routes.TryMatch("h"u8, HttpMethod.Get, System.Text.Encoding.ASCII.GetBytes($"/{stage}/x"), ref match));
        return match.Route!;
    }

    [Fact]
    public void NoDeployments_EveryStageServesTheFile()
    {
        var model = Valid(Config("one"));

        Assert.Equal("one", Body(model, "s"));
        Assert.Equal(0, Route(model, "s").DeploymentId);
        Assert.Null(model.CanaryRoutes);
        Assert.All(model.Deployments!.Stages, s => Assert.Equal(0, s.Deployment));
        Assert.Empty(model.Deployments.Store.List());
    }

    [Fact]
    public void Deploy_StageServesTheSnapshot_WhileTheFileChanges_OtherStagesServeTheFile()
    {
        var first = Valid(Config("one"));
        var deployment = first.Deployments!.Deploy("a", "s", "first", DateTimeOffset.UnixEpoch, out var error, out _);

        var edited = Valid(Config("two"));

        Assert.Equal(DeploymentError.None, error);
        Assert.Equal(1, deployment!.Id);
        Assert.Equal("one", Body(edited, "s"));
        Assert.Equal(1, Route(edited, "s").DeploymentId);
        Assert.Equal("two", Body(edited, "t"));
        Assert.Equal("first", edited.Deployments!.Store.List("a").Single().Description);
    }

    [Fact]
    public void Deploy_NumbersIncrease_AndRollbackPointsTheStageBack()
    {
        var one = Valid(Config("one"));
        one.Deployments!.Deploy("a", "s", null, DateTimeOffset.UnixEpoch, out _, out _);
        var two = Valid(Config("two"));
        var second = two.Deployments!.Deploy("a", "s", null, DateTimeOffset.UnixEpoch, out _, out _);
        Assert.Equal("two", Body(Valid(Config("three")), "s"));

        bool rolledBack = two.Deployments.Rollback("a", "s", 1, out var error, out _);
        var after = Valid(Config("three"));
        bool missing = two.Deployments.Rollback("a", "s", 9, out var missingError, out string? message);

        Assert.Equal(2, second!.Id);
        Assert.True(rolledBack);
        Assert.Equal(DeploymentError.None, error);
        Assert.Equal("one", Body(after, "s"));
        Assert.False(missing);
        Assert.Equal(DeploymentError.NotFound, missingError);
        Assert.Contains("no deployment 9", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deploy_UnknownApiOrStage_IsNotFound()
    {
        var model = Valid(Config("one"));

        Assert.Null(model.Deployments!.Deploy("nope", null, null, DateTimeOffset.UnixEpoch, out var api, out _));
        Assert.Null(model.Deployments.Deploy("a", "nope", null, DateTimeOffset.UnixEpoch, out var stage, out _));
        Assert.Equal(DeploymentError.NotFound, api);
        Assert.Equal(DeploymentError.NotFound, stage);
    }

    [Fact]
    public void Canary_CompilesItsDeploymentsRoutes_WithTheOverriddenVariables_AndMarksBothSides()
    {
        Valid(Config("one")).Deployments!.Deploy("a", null, null, DateTimeOffset.UnixEpoch, out _, out _);

        var model = Valid(Config("live", """{ "deployment": 1, "percentTraffic": 12.5, "stageVariableOverrides": { "v": "canary", "w": "new" }, "sticky": { "cookie": "session" } }"""));
        var primary = Route(model, "s");
        RouteMatch<RouteModel> match = default;
        Assert.True(model.CanaryRoutes!.TryMatch("h"u8, HttpMethod.Get, "/s/x"u8, ref match));
        var canary = match.Route!;

        Assert.Equal("live", Body(model, "s"));
        Assert.Equal("one", Body(model, "s", canary: true));
        Assert.Equal(12.5, primary.Canary!.PercentTraffic);
        Assert.Equal("session"u8.ToArray(), primary.Canary.StickyCookie);
        Assert.False(primary.IsCanary);
        Assert.True(canary.IsCanary);
        // A canary route carries the stage's canary policy too: it decides a path only the canary's deployment has.
        Assert.Equal(primary.Canary, canary.Canary);
        Assert.Equal(1, canary.DeploymentId);
        Assert.Equal(new KeyValuePair<string, string>[] { new("v", "canary"), new("w", "new") }, canary.StageVariables);
        Assert.Null(Route(model, "t").Canary);
        Assert.Contains(canary, model.RouteList);
        Assert.Equal(1, model.Deployments!.Stage("a", "s")!.CanaryDeployment);
    }

    [Fact]
    public void Canary_PromoteAndDelete_EndTheCanary_ThenTheFilesCanaryIsAWarning()
    {
        Valid(Config("one")).Deployments!.Deploy("a", "s", null, DateTimeOffset.UnixEpoch, out _, out _);
        Valid(Config("two")).Deployments!.Deploy("a", null, null, DateTimeOffset.UnixEpoch, out _, out _);
        string canary = """{ "deployment": 2, "percentTraffic": 10 }""";
        var withCanary = Valid(Config("live", canary));

        bool promoted = withCanary.Deployments!.PromoteCanary("a", "s", out int deployment, out _, out _);
        var after = Load(Config("live", canary));
        bool again = after.Model!.Deployments!.PromoteCanary("a", "s", out _, out var conflict, out _);

        Assert.True(promoted);
        Assert.Equal(2, deployment);
        Assert.Equal("two", Body(after.Model, "s"));
        Assert.Null(after.Model.CanaryRoutes);
        Assert.Contains(after.Warnings, w => w.Path == "apis[0].stages[0].canary");
        Assert.False(again);
        Assert.Equal(DeploymentError.Conflict, conflict);
    }

    [Fact]
    public void Canary_Delete_KeepsTheStagesDeployment()
    {
        Valid(Config("one")).Deployments!.Deploy("a", "s", null, DateTimeOffset.UnixEpoch, out _, out _);
        Valid(Config("two")).Deployments!.Deploy("a", null, null, DateTimeOffset.UnixEpoch, out _, out _);
        var withCanary = Valid(Config("live", """{ "deployment": 2, "percentTraffic": 10 }"""));

        bool deleted = withCanary.Deployments!.DeleteCanary("a", "s", out int ended, out _, out _);
        var after = Valid(Config("live", """{ "deployment": 2, "percentTraffic": 10 }"""));

        Assert.True(deleted);
        Assert.Equal(2, ended);
        Assert.Equal("one", Body(after, "s"));
        Assert.Null(after.CanaryRoutes);
    }

    [Fact]
    public void StoredCanary_FromDeploy_WinsOverTheFiles_AndPromoteEndsBoth()
    {
        Valid(Config("one")).Deployments!.Deploy("a", "s", null, DateTimeOffset.UnixEpoch, out _, out _);
        Valid(Config("two")).Deployments!.Deploy("a", null, null, DateTimeOffset.UnixEpoch, out _, out _);
        string fileCanary = """{ "deployment": 2, "percentTraffic": 5 }""";

        var three = Valid(Config("three", fileCanary));
        var deployed = three.Deployments!.Deploy("a", "s", null, DateTimeOffset.UnixEpoch, out var error, out _,
            new StoredCanary(0, 40, [new("v", "c")], StickyHeader: "x-user"));
        var withStored = Load(Config("four", fileCanary)).Model!;
        var stage = withStored.Deployments!.Stage("a", "s")!;
        var canaryRoute = withStored.RouteList.Single(r => r.IsCanary);
        bool promoted = withStored.Deployments.PromoteCanary("a", "s", out int promotedTo, out _, out _);
        var after = Load(Config("four", fileCanary));

        Assert.Equal(DeploymentError.None, error);
        Assert.Equal(3, deployed!.Id);
        Assert.Equal("one", Body(withStored, "s"));
        Assert.Equal("three", Body(withStored, "s", canary: true));
        Assert.Equal((3, 40.0, true), (stage.CanaryDeployment, stage.CanaryPercent, stage.CanaryStored));
        Assert.Equal("x-user"u8.ToArray(), Route(withStored, "s").Canary!.StickyHeader);
        Assert.Contains(new KeyValuePair<string, string>("v", "c"), canaryRoute.StageVariables);
        Assert.True(promoted);
        Assert.Equal(3, promotedTo);
        Assert.Equal("three", Body(after.Model!, "s"));
        Assert.Null(after.Model!.CanaryRoutes);
        Assert.Contains(after.Warnings, w => w.Path == "apis[0].stages[0].canary");
    }

    [Fact]
    public void SetCanary_ChangesTheShare_AndAnInvalidShareDoesNotLoad()
    {
        Valid(Config("one")).Deployments!.Deploy("a", "s", null, DateTimeOffset.UnixEpoch, out _, out _);
        var two = Valid(Config("two"));
        two.Deployments!.Deploy("a", null, null, DateTimeOffset.UnixEpoch, out _, out _);

        bool set = two.Deployments.SetCanary("a", "s", new StoredCanary(2, 25), out _, out _);
        var model = Valid(Config("x"));
        bool missing = two.Deployments.SetCanary("a", "s", new StoredCanary(9, 25), out var missingError, out _);
        two.Deployments.SetCanary("a", "s", new StoredCanary(2, 250), out _, out _);
        var invalid = ErrorPaths(Config("x"));

        Assert.True(set);
        Assert.Equal(25, Route(model, "s").Canary!.PercentTraffic);
        Assert.False(missing);
        Assert.Equal(DeploymentError.NotFound, missingError);
        Assert.Equal(["deployments.stages.a.s.canary.percentTraffic"], invalid);
    }

    [Fact]
    public void Canary_InvalidSettings_AreReportedWithTheirPaths()
    {
        var paths = ErrorPaths(Config("x", """{ "deployment": 0, "percentTraffic": 150, "stageVariableOverrides": { "bad name": "x" }, "sticky": { "header": "a", "cookie": "b" }, "extra": 1 }"""));

        Assert.Contains("apis[0].stages[0].canary.extra", paths);
        Assert.Contains("apis[0].stages[0].canary.deployment", paths);
        Assert.Contains("apis[0].stages[0].canary.percentTraffic", paths);
        Assert.Contains("apis[0].stages[0].canary.stageVariableOverrides.bad name", paths);
        Assert.Contains("apis[0].stages[0].canary.sticky", paths);
    }

    [Fact]
    public void Canary_OfAMissingDeployment_IsAnError()
    {
        var result = Load(Config("x", """{ "deployment": 4, "percentTraffic": 10 }"""));

        Assert.Null(result.Model);
        var error = Assert.Single(result.Errors);
        Assert.Equal("apis[0].stages[0].canary", error.Path);
        Assert.Contains("no deployment 4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Snapshot_ThatNoLongerValidates_IsReportedUnderItsDeployment()
    {
        string withCluster = $$"""
            {
              "deployments": { "directory": {{JsonSerializer.Serialize(_directory)}} },
              "clusters": [ { "name": "c", "destinations": ["127.0.0.1:9"] } ],
              "apis": [ { "name": "a", "stages": [ { "name": "s" } ],
                "routes": [ { "key": "GET /x", "integration": { "type": "http", "cluster": "c" } } ] } ]
            }
            """;
        Valid(withCluster).Deployments!.Deploy("a", "s", null, DateTimeOffset.UnixEpoch, out _, out _);

        var paths = ErrorPaths(Config("x"));

        Assert.Contains(paths, p => p.StartsWith("deployments.a.1.routes[0].integration", StringComparison.Ordinal));
    }

    [Fact]
    public void Snapshot_KeepsTheApisPolicies_ModelsCorsGatewayResponses_AfterTheFileDropsThem()
    {
        const string policiesJson = """
            "models": { "Pet": { "$schema": "http://json-schema.org/draft-04/schema#", "type": "object", "required": ["price"],
                                 "properties": { "price": { "type": "number", "minimum": 25 } } } },
            "cors": { "allowOrigins": ["https://app.example.com"] },
            "gatewayResponses": { "RESOURCE_NOT_FOUND": { "statusCode": 418 } },
            """;
        const string validatorJson = """ "requestValidator": { "body": "Pet" }, """;
        string Rich(bool policies) => $$"""
            {
              "deployments": { "directory": {{JsonSerializer.Serialize(_directory)}} },
              "clusters": [ { "name": "up", "destinations": ["127.0.0.1:9"] } ],
              "apis": [ { "name": "a", "stages": [ { "name": "s" } ],
                {{(policies ? policiesJson : "")}}
                "routes": [ { "key": "POST /x", {{(policies ? validatorJson : "")}} "maxBodyBytes": 4096,
                              "integration": { "type": "http", "cluster": "up", "timeoutMs": 1500 } } ] } ]
            }
            """;
        Valid(Rich(policies: true)).Deployments!.Deploy("a", "s", null, DateTimeOffset.UnixEpoch, out _, out _);

        var model = Valid(Rich(policies: false));
        var route = Assert.Single(model.RouteList);
        var body = route.RequestValidator!.Body!;

        Assert.Equal(1, route.DeploymentId);
        Assert.Equal(4096, route.MaxBodyBytes);
        Assert.NotNull(route.Cors);
        Assert.NotNull(route.GatewayResponses);
        Assert.True(body.IsValid(new System.Buffers.ReadOnlySequence<byte>("{\"price\":30}"u8.ToArray())));
        Assert.False(body.IsValid(new System.Buffers.ReadOnlySequence<byte>("{\"price\":20}"u8.ToArray())));
        Assert.False(body.IsValid(new System.Buffers.ReadOnlySequence<byte>("{\"price\":\"30\"}"u8.ToArray())));
    }

    [Fact]
    public void DeploymentsSection_UnknownKey_IsAnError()
    {
        var paths = ErrorPaths($$"""{ "deployments": { "dir": "x" }, "apis": [ { "name": "a", "stages": [ { "name": "s" } ], "routes": [ { "key": "GET /x", {{Mock}} } ] } ] }""");

        Assert.Equal(["deployments.dir"], paths);
    }

    /// <summary>WebSocket API "w", stage "s" (and "t"), a $default route answering <paramref name="body"/> and, when given, a message route <paramref name="key"/>.</summary>
    private string WebSocketConfig(string body, string? key = null, string selection = "$request.body.action") => $$"""
        {
          "deployments": { "directory": {{JsonSerializer.Serialize(_directory)}} },
          "apis": [ { "name": "w", "protocol": "websocket", "routeSelectionExpression": "{{selection}}",
            "stages": [ { "name": "s" }, { "name": "t" } ],
            "routes": [ { "key": "$default", "integration": { "type": "mock", "body": "{{body}}" } }
              {{(key is null ? "" : $", {{ \"key\": \"{key}\", \"integration\": {{ \"type\": \"mock\" }} }}")}} ] } ]
        }
        """;

    private static (RouteModel Handshake, WebSocketApiModel Api) Handshake(GatewayModel model, string stage)
    {
        RouteMatch<RouteModel> match = default;
        Assert.True(model.Routes.TryMatch("h"u8, HttpMethod.Get, System.Text.Encoding.ASCII.GetBytes($"/{stage}"), ref match));
        return (match.Route!, (WebSocketApiModel)match.Route!.Integration);
    }

    private static string DefaultBody(WebSocketApiModel api) => System.Text.Encoding.UTF8.GetString(((MockIntegrationModel)api.Default!.Integration).Body);

    [Fact]
    public void WebSocketApi_Deployed_StageServesTheSnapshotsRoutesAndSelection_WhileTheFileChanges_AndRollsBack()
    {
        var first = Valid(WebSocketConfig("one", key: "join"));
        var deployment = first.Deployments!.Deploy("w", "s", "first", DateTimeOffset.UnixEpoch, out var error, out string? message);

        var edited = Valid(WebSocketConfig("two", key: null, selection: "$request.body.type"));
        var (handshake, served) = Handshake(edited, "s");
        var (_, live) = Handshake(edited, "t");

        Assert.Equal(DeploymentError.None, error);
        Assert.Null(message);
        Assert.Equal(1, deployment!.Id);
        Assert.Equal(1, handshake.DeploymentId);
        Assert.Equal("one", DefaultBody(served));
        Assert.NotNull(served.Routes.Find("join"u8));
        Assert.Equal("$request.body.action", served.Selection.Text);
        Assert.Equal("two", DefaultBody(live));
        Assert.Null(live.Routes.Find("join"u8));
        Assert.Equal(new StageDeployment("w", "s", 1, null, null), edited.Deployments!.Stage("w", "s"));

        var second = edited.Deployments.Deploy("w", "s", null, DateTimeOffset.UnixEpoch, out _, out _);
        Assert.Equal("two", DefaultBody(Handshake(Valid(WebSocketConfig("three")), "s").Api));
        Assert.True(edited.Deployments.Rollback("w", "s", 1, out var rollbackError, out _));
        var (rolledBack, rolledBackApi) = Handshake(Valid(WebSocketConfig("three")), "s");

        Assert.Equal(2, second!.Id);
        Assert.Equal(DeploymentError.None, rollbackError);
        Assert.Equal(1, rolledBack.DeploymentId);
        Assert.Equal("one", DefaultBody(rolledBackApi));
    }

    [Fact]
    public void WebSocketApi_Canary_ThroughDeployOrSetCanary_IsRefused_AndNothingIsWritten()
    {
        var model = Valid(WebSocketConfig("one"));
        var deployment = model.Deployments!.Deploy("w", "s", null, DateTimeOffset.UnixEpoch, out _, out _, new StoredCanary(0, 10));
        bool set = model.Deployments.SetCanary("w", "s", new StoredCanary(1, 10), out var setError, out string? setMessage);

        Assert.Null(deployment);
        Assert.False(set);
        Assert.Equal(DeploymentError.Invalid, setError);
        Assert.Contains("WebSocket API", setMessage, StringComparison.Ordinal);
        Assert.Empty(model.Deployments.Store.List());
    }

    [Fact]
    public void Canary_OnAWebSocketApi_IsAnError()
    {
        var paths = ErrorPaths($$"""
            { "deployments": { "directory": {{JsonSerializer.Serialize(_directory)}} },
              "apis": [ { "name": "w", "protocol": "websocket", "routeSelectionExpression": "$request.body.action",
                "stages": [ { "name": "s", "canary": { "deployment": 1, "percentTraffic": 5 } } ],
                "routes": [ { "key": "$default", "integration": { "type": "mock" } } ] } ] }
            """);

        Assert.Contains("apis[0].stages[0].canary", paths);
    }
}
