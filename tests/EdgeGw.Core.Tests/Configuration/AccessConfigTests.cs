using EdgeGw.Core.Model;
using EdgeGw.Core.Throttling;
using EdgeGw.Core.UsagePlans;
using static EdgeGw.Core.Tests.Configuration.ConfigFixture;

namespace EdgeGw.Core.Tests.Configuration;

public sealed class AccessConfigTests
{
    private static string Config(string root, string routes = """{ "key": "GET /x", "apiKeyRequired": true, "integration": { "type": "mock" } }""") => $$"""
        { {{root}}
          "apis": [ { "name": "a", "stages": [ { "name": "s", "throttle": { "rateLimit": 5, "burstLimit": 5 } }, { "name": "t" } ], "routes": [ {{routes}} ] } ] }
        """;

    [Fact]
    public void PlansKeysAndThrottles_Compile()
    {
        var model = Valid(Config("""
            "throttle": { "rateLimit": 1000.5, "burstLimit": 10 },
            "usagePlans": [ { "name": "gold", "stages": ["a/s"], "throttle": { "rateLimit": 2, "burstLimit": 4 },
                              "routeThrottles": { "GET /x": { "rateLimit": 1, "burstLimit": 1 } }, "quota": { "limit": 10, "period": "WEEK", "offset": 1 } } ],
            "apiKeys": { "header": "X-Key", "keys": [ { "id": "k1", "value": "abcdefghijklmnopqrstuvwxyz", "usagePlans": ["gold"] } ] },
            """));

        Assert.Equal(new ThrottleSettings(1000.5, 10), model.Throttle);
        Assert.Equal("x-key"u8.ToArray(), model.ApiKeyHeader);
        var plan = Assert.Single(model.UsagePlans);
        Assert.Equal(new ThrottleSettings(1, 1), plan.RouteThrottles["GET /x"]);
        Assert.Equal((10L, QuotaPeriodKind.Week, 1), (plan.QuotaLimit!.Value, plan.QuotaPeriod.Kind, plan.QuotaPeriod.Offset));
        var key = Assert.Single(model.ApiKeys);
        Assert.Equal(64, key.Sha256Hex.Length);
        Assert.DoesNotContain("abcdefghijklmnopqrstuvwxyz", key.Sha256Hex, StringComparison.Ordinal);
        var access = model.RouteList.Single(r => r.StageName == "s").Access!;
        Assert.True(access.ApiKeyRequired);
        Assert.Equal(new ThrottleSettings(5, 5), access.StageThrottle);
    }

    [Fact]
    public void RouteWithoutLimits_HasNoAccessStep()
    {
        var model = Valid(Config("", """{ "key": "GET /x", "integration": { "type": "mock" } }"""));
        Assert.Null(model.RouteList.Single(r => r.StageName == "t").Access);
    }

    [Fact]
    public void EveryAccessError_IsReportedAtOnce()
    {
        var paths = ErrorPaths(Config("""
            "throttle": { "rateLimit": 0, "burstLimit": 0 },
            "redis": { "configuration": "", "failMode": "maybe", "syncIntervalMs": 0 },
            "usagePlans": [
              { "name": "gold", "stages": ["a/nope"], "routeThrottles": { "GET /y": { "rateLimit": 1, "burstLimit": 1 } }, "quota": { "limit": 0, "period": "YEAR" } },
              { "name": "gold", "stages": ["a/s"] },
              { "name": "silver", "stages": ["a/s"] },
              { "name": "platinum", "stages": ["a/s", "a/t"] } ],
            "apiKeys": { "keys": [
              { "id": "k1", "value": "short", "usagePlans": ["bronze"] },
              { "id": "k1", "value": "abcdefghijklmnopqrstuvwxyz", "sha256": "00" },
              { "id": "k3", "sha256": "zz" },
              { "id": "k4", "value": "abcdefghijklmnopqrstuvwxyz0", "usagePlans": ["silver", "platinum"] } ] },
            """));

        Assert.Equal(
            [
                "throttle.rateLimit", "throttle.burstLimit", "redis.configuration", "redis.failMode", "redis.syncIntervalMs",
                "usagePlans[0].stages[0]", "usagePlans[0].routeThrottles.GET /y", "usagePlans[0].quota.limit", "usagePlans[0].quota.period",
                "usagePlans[1].name",
                "apiKeys.keys[0].value", "apiKeys.keys[0].usagePlans[0]", "apiKeys.keys[1].id", "apiKeys.keys[1]", "apiKeys.keys[2].sha256",
                "apiKeys.keys[3].usagePlans[1]",
            ],
            paths);
    }

    [Fact]
    public void Throttle_NeedsBothRateAndBurst()
    {
        var paths = ErrorPaths(Config("""
            "throttle": { "rateLimit": 5 },
            """));
        Assert.Equal(["throttle.burstLimit"], paths);
    }
}
