using EdgeGw.Core.AccessLogging;
using EdgeGw.Core.Configuration;
using EdgeGw.Core.Tests.Configuration;

namespace EdgeGw.Core.Tests.AccessLogging;

public sealed class AccessLogSectionTests
{
    private const string Apis = """
        "clusters": [ { "name": "up", "destinations": [ "127.0.0.1:9" ] } ],
        "apis": [ { "name": "a", "stages": [ STAGES ],
          "routes": [ { "key": "GET /x", "integration": { "type": "http", "cluster": "up" } } ] } ]
        """;

    private static ConfigLoadResult Load(string accessLog, string stages) =>
        GatewayConfigLoader.Load(SectionFixture.Json("{" + accessLog + Apis.Replace("STAGES", stages) + "}"));

    [Fact]
    public void Absent_NothingLogs()
    {
        var model = Load("", """{ "name": "$default" }""").Model!;

        Assert.Null(model.AccessLog);
        Assert.Empty(model.AccessLogDestinations);
        Assert.Null(model.RouteList[0].AccessLog);
    }

    [Fact]
    public void GatewayDefault_AppliesToStagesWithoutTheirOwn_AsJsonToStdout()
    {
        var model = Load("""  "accessLog": { "enabled": true }, """, """{ "name": "$default" }""").Model!;

        Assert.Same(model.AccessLog, model.RouteList[0].AccessLog);
        Assert.Equal(AccessLogSettings.Stdout, model.AccessLog!.Destination);
        Assert.Equal(AccessLogPresets.Json, model.AccessLog.Template.Source);
        Assert.Equal(["stdout"], model.AccessLogDestinations.ToArray());
    }

    [Fact]
    public void StageKeys_OverTheDefault_AndEnabledFalse_TurnsAStageOff()
    {
        var model = Load("""  "accessLog": { "destination": "/var/log/edgegw/access.log", "format": "clf" }, """, """
            { "name": "one", "accessLog": { "format": "csv" } },
            { "name": "two", "accessLog": { "enabled": false } },
            { "name": "three", "accessLog": { "destination": "stdout" } },
            { "name": "four" }
            """).Model!;

        var routes = model.RouteList;
        Assert.Equal("/var/log/edgegw/access.log", routes[0].AccessLog!.Destination);
        Assert.Equal(AccessLogPresets.Csv, routes[0].AccessLog!.Template.Source);
        Assert.Null(routes[1].AccessLog);
        Assert.Equal("stdout", routes[2].AccessLog!.Destination);
        Assert.Equal(AccessLogPresets.Clf, routes[2].AccessLog!.Template.Source);
        Assert.Same(model.AccessLog, routes[3].AccessLog);
        Assert.Equal(["/var/log/edgegw/access.log", "stdout"], model.AccessLogDestinations.ToArray());
        Assert.Equal(0, routes[0].AccessLog!.DestinationIndex);
        Assert.Equal(1, routes[2].AccessLog!.DestinationIndex);
    }

    [Fact]
    public void StageWithoutDefault_Logs()
    {
        var model = Load("", """{ "name": "s", "accessLog": { "destination": "/tmp/x.log" } }""").Model!;

        Assert.Null(model.AccessLog);
        Assert.Equal("/tmp/x.log", model.RouteList[0].AccessLog!.Destination);
    }

    [Fact]
    public void Errors_AreReportedWithTheirPaths_AllAtOnce()
    {
        var result = Load("""  "accessLog": { "format": "$context.requestId $context.nope", "colour": 1, "destination": "" }, """, """
            { "name": "s", "accessLog": { "format": "$context.status", "enabled": "maybe" } }
            """);

        Assert.Null(result.Model);
        var paths = result.Errors.Select(e => e.Path).ToList();
        Assert.Contains("accessLog.colour", paths);
        Assert.Contains("accessLog.format", paths);
        Assert.Contains("accessLog.destination", paths);
        Assert.Contains("apis[0].stages[0].accessLog.format", paths);
        Assert.Contains("apis[0].stages[0].accessLog.enabled", paths);
        Assert.Contains(result.Errors, e => e.Path == "accessLog.format" && e.Message.Contains("$context.nope"));
    }

    [Fact]
    public void ATemplateOver3KB_IsAnErrorAtItsPath()
    {
        string format = "$context.requestId" + new string('x', 3100);
        var result = Load($$"""  "accessLog": { "format": "{{format}}" }, """, """{ "name": "$default" }""");

        Assert.Contains(result.Errors, e => e.Path == "accessLog.format" && e.Message.Contains("3 KB"));
    }
}
