using EdgeGw.Core.Configuration;
using EdgeGw.Core.Infrastructure;
using Microsoft.Extensions.Configuration;
using static EdgeGw.Core.Tests.Configuration.ConfigFixture;

namespace EdgeGw.Core.Tests.Configuration;

public sealed class ConfigValidatorTests
{
    /// <summary>Records the order of calls and reports one error from each step.</summary>
    private sealed class RecordingSection(string name, List<string> calls) : IConfigSection
    {
        public void Read(IConfiguration root, ConfigReader reader)
        {
            calls.Add($"read {name}");
            reader.Error($"{name}.read", "read error");
        }

        public void Validate(ConfigChecks checks)
        {
            calls.Add($"validate {name}");
            checks.Error($"{name}.check", "check error");
        }
    }

    [Fact]
    public void Validate_ReadsEverySection_ThenChecksEverySection_InOrder()
    {
        var calls = new List<string>();
        var errors = new List<ConfigError>();

        new ConfigValidator(errors).Validate(SectionFixture.Json("{}"), [new RecordingSection("a", calls), new RecordingSection("b", calls)]);

        Assert.Equal(["read a", "read b", "validate a", "validate b"], calls);
        Assert.Equal(["a.read", "b.read", "a.check", "b.check"], SectionFixture.Paths(errors));
    }

    [Fact]
    public void Validate_UnknownRootKey_IsReportedBeforeAnySection_WithTheKnownKeys()
    {
        var errors = new List<ConfigError>();

        new ConfigValidator(errors).Validate(SectionFixture.Json("""{ "serverr": {} }"""), [new RecordingSection("a", [])]);

        Assert.Equal(new ConfigError("serverr", "unknown key (expected one of: server, admin, logging, accessLog, tracing, cache, throttle, apiKeys, usagePlans, redis, state, clusters, iam, apis, deployments, domains)"), errors[0]);
        Assert.Equal(["serverr", "a.read", "a.check"], SectionFixture.Paths(errors));
    }

    [Fact]
    public void Load_ErrorsInEverySection_AreAllReported_InSectionOrder()
    {
        var paths = ErrorPaths("""
            {
              "usagePlans": [ { "name": "p", "stages": [ "a/nope" ] } ],
              "apiKeys": { "header": "bad header" },
              "apis": [ { "name": "a", "stages": [ { "name": "s" } ], "routes": [ { "key": "GET /x", "integration": { "type": "http", "cluster": "none" } } ] } ],
              "clusters": [ { "name": "c", "destinations": [ "127.0.0.1:1" ], "health": { "consecutiveFailures": 0 } } ],
              "state": { "flushIntervalSeconds": 0 },
              "redis": { "configuration": "127.0.0.1:6379", "failMode": "sometimes" },
              "throttle": { "rateLimit": 1, "burstLimit": 0 },
              "cache": { "coalesceTimeoutMs": -1 },
              "admin": { "listen": [ "http://10.1.2.3:9901" ] },
              "server": { "drainTimeoutSeconds": -1 }
            }
            """);

        Assert.Equal(
            [
                "server.drainTimeoutSeconds", "admin.listen[0]", "cache.coalesceTimeoutMs", "throttle.burstLimit", "redis.failMode",
                "state.flushIntervalSeconds", "clusters[0].health.consecutiveFailures", "apis[0].routes[0].integration.cluster",
                "usagePlans[0].stages[0]", "apiKeys.header",
            ],
            paths);
    }

    [Fact]
    public void Load_ReadErrors_AreReportedBeforeCheckErrors_AndDoNotStopOtherSections()
    {
        var result = Load("""
            { "server": { "keepAliveTimeoutSeconds": 0 },
              "clusters": [ { "name": "c", "destinations": [ "127.0.0.1:1" ], "connectTimeoutMs": "soon" } ] }
            """);

        Assert.Null(result.Model);
        Assert.Equal(
            [
                new ConfigError("clusters[0].connectTimeoutMs", "expected an integer, got 'soon'"),
                new ConfigError("server.keepAliveTimeoutSeconds", "0 is outside 1..3600"),
            ],
            result.Errors);
    }

    [Fact]
    public void Load_EveryRootKey_IsReadByASection_ThatChecksItsOwnKeys()
    {
        var result = Load("""
            { "server": { "x": 1 }, "admin": { "x": 1 }, "cache": { "x": 1 }, "throttle": { "rateLimit": 1, "burstLimit": 1, "x": 1 },
              "apiKeys": { "x": 1 }, "usagePlans": [ { "name": "p", "stages": [], "x": 1 } ], "redis": { "configuration": "h:1", "x": 1 },
              "state": { "x": 1 }, "clusters": [ { "name": "c", "x": 1 } ], "apis": [ { "name": "a", "x": 1 } ] }
            """);

        var unknown = result.Errors.Where(e => e.Message.StartsWith("unknown key", StringComparison.Ordinal)).Select(e => e.Path);
        Assert.Equal(
            ["server.x", "admin.x", "cache.x", "throttle.x", "redis.x", "state.x", "clusters[0].x", "apis[0].x", "apiKeys.x", "usagePlans[0].x"],
            unknown);
    }
}
