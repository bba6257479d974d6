using EdgeGw.Core.Tests.Configuration;
using EdgeGw.Core.UsagePlans;

namespace EdgeGw.Core.Tests.UsagePlans;

public sealed class UsagePlanSectionTests
{
    private static readonly Dictionary<string, HashSet<string>> Deployed = new() { ["a/s"] = ["GET /x"] };

    [Fact]
    public void Validate_ChecksStagesAndRoutes_AgainstWhatTheApisDeploy()
    {
        var section = new UsagePlanSection(() => Deployed);

        var errors = SectionFixture.Run(section, """
            { "usagePlans": [ { "name": "p", "stages": [ "a/s", "a/t" ], "routeThrottles": { "GET /y": { "rateLimit": 1, "burstLimit": 1 } } } ] }
            """);

        Assert.Equal(["usagePlans[0].stages[1]", "usagePlans[0].routeThrottles.GET /y"], SectionFixture.Paths(errors));
    }

    [Fact]
    public void Compile_PlainAndDigestKeys_KeepOnlyTheLowerCaseDigest()
    {
        string plain = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData("abcdefghijklmnopqrstuvwxyz"u8));
        string digest = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData("another-key-0123456789"u8));
        var section = new UsagePlanSection(() => Deployed);
        Assert.Empty(SectionFixture.Run(section, $$"""
            { "usagePlans": [ { "name": "p", "stages": [ "a/s" ] } ],
              "apiKeys": { "keys": [ { "id": "plain", "value": "abcdefghijklmnopqrstuvwxyz", "usagePlans": [ "p" ] }, { "id": "hashed", "sha256": "{{digest}}", "enabled": false } ] } }
            """));

        var keys = section.CompileApiKeys();

        Assert.Equal(("plain", plain.ToLowerInvariant(), true), (keys[0].Id, keys[0].Sha256Hex, keys[0].Enabled));
        Assert.Equal(("hashed", digest.ToLowerInvariant(), false), (keys[1].Id, keys[1].Sha256Hex, keys[1].Enabled));
        Assert.Equal("x-api-key"u8.ToArray(), section.CompileApiKeyHeader());
        Assert.Equal(new EdgeGw.Core.Model.StageRef("a", "s"), Assert.Single(Assert.Single(section.CompilePlans()).Stages));
    }

    [Fact]
    public void CompileRouteAccess_NothingToLimitOrAuthenticate_IsNoStep()
    {
        var stage = new EdgeGw.Core.Model.StageRef("a", "s");

        Assert.Null(UsagePlanSection.CompileRouteAccess(false, stage, "GET /x", null, null, null, apiKeyRequired: false));
        Assert.NotNull(UsagePlanSection.CompileRouteAccess(true, stage, "GET /x", null, null, null, apiKeyRequired: false));
        Assert.True(UsagePlanSection.CompileRouteAccess(false, stage, "GET /x", null, null, null, apiKeyRequired: true)!.ApiKeyRequired);
    }
}
