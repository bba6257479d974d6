using System.Security.Cryptography;
using System.Text;
using EdgeGw.Core.Model;
using EdgeGw.Core.Throttling;
using EdgeGw.Core.UsagePlans;
using Microsoft.Extensions.Time.Testing;
using static EdgeGw.Core.Tests.Configuration.ConfigFixture;

namespace EdgeGw.Core.Tests.UsagePlans;

/// <summary>
/// The access decision on a model compiled from JSON: keys (403), the token buckets at every level with the
/// tightest winning (429 Too Many Requests), then the quota (429 Limit Exceeded). Every bucket here refills at
/// 1 token a second, so with the fake clock standing still exactly <c>burst</c> requests pass.
/// </summary>
public sealed class AccessSnapshotTests
{
    private const string Key1 = "key-one-abcdefghijklmnopqrstuvwxyz";
    private const string Key2 = "key-two-abcdefghijklmnopqrstuvwxyz";
    private const string Key3 = "key-three-abcdefghijklmnopqrstuvwxyz";
    private static readonly byte[] Ip1 = "10.0.0.1"u8.ToArray();
    private static readonly byte[] Ip2 = "10.0.0.2"u8.ToArray();

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 15, 12, 0, 0, TimeSpan.Zero));

    /// <summary>API "a" with stages "s" and "t"; <paramref name="stage"/> goes into stage "s" (starts with a comma).</summary>
    private static string Config(string root, string routes, string stage = "") => $$"""
        { {{root}}
          "apis": [ { "name": "a", "stages": [ { "name": "s" {{stage}} }, { "name": "t" } ], "routes": [ {{routes}} ] } ] }
        """;

    private static string Route(string key, string extra = "", bool keyRequired = true) =>
        $$"""{ "key": "{{key}}", "apiKeyRequired": {{(keyRequired ? "true" : "false")}}, {{extra}} "integration": { "type": "mock" } }""";

    private static string Throttle(int burst) => $$"""{ "rateLimit": 1, "burstLimit": {{burst}} }""";

    /// <summary>Plan "gold" on a/s, "silver" on a/t; k1 and k2 on gold, k3 on silver.</summary>
    private static string PlansAndKeys(string gold = "", string silver = "", string k1 = "") => $$"""
        "usagePlans": [ { "name": "gold", "stages": ["a/s"] {{gold}} }, { "name": "silver", "stages": ["a/t"] {{silver}} } ],
        "apiKeys": { "keys": [
          { "id": "k1", "value": "{{Key1}}", "usagePlans": ["gold"] {{k1}} },
          { "id": "k2", "value": "{{Key2}}", "usagePlans": ["gold"] },
          { "id": "k3", "value": "{{Key3}}", "usagePlans": ["silver"] } ] },
        """;

    private sealed class Gate(AccessControl access, GatewayModel model, FakeTimeProvider time)
    {
        public AccessControl Access { get; } = access;

        public RouteModel Route(string key, string stage = "s") => model.RouteList.Single(r => r.RouteKey == key && r.StageName == stage);

        public AccessOutcome Check(string route, string? apiKey, byte[]? ip = null, string stage = "s") =>
            Check(route, apiKey, out _, ip, stage);

        public AccessOutcome Check(string route, string? apiKey, out ThrottleDecision decision, byte[]? ip = null, string stage = "s") =>
            Access.Current.Check(Route(route, stage), apiKey is null ? default : Encoding.ASCII.GetBytes(apiKey), ip ?? Ip1, time.GetTimestamp(), time, out decision);

        /// <summary>Sends <paramref name="count"/> requests and counts each outcome.</summary>
        public Dictionary<AccessOutcome, int> Send(int count, string route, string? apiKey, byte[]? ip = null, string stage = "s")
        {
            var outcomes = new Dictionary<AccessOutcome, int>();
            for (int i = 0; i < count; i++)
            {
                var outcome = Check(route, apiKey, ip, stage);
                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            }

            return outcomes;
        }

        public long QuotaUsed(string keyId, string plan) => Access.Quota(keyId, model.UsagePlans.Single(p => p.Name == plan)).Used;
    }

    private Gate Start(string json)
    {
        var model = Valid(json);
        return new Gate(new AccessControl(model, _time), model, _time);
    }

    // --- API keys -------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("key-unknown-abcdefghijklmnopqrstuvwxyz")]
    [InlineData("key-one-abcdefghijklmnopqrstuvwxy")] // a known key less its last character
    [InlineData("KEY-ONE-ABCDEFGHIJKLMNOPQRSTUVWXYZ")] // keys are case-sensitive
    public void Check_KeyRequired_MissingOrUnknownKey_IsForbidden(string? presented)
    {
        var gate = Start(Config(PlansAndKeys(), Route("GET /x")));

        Assert.Equal(AccessOutcome.Forbidden, gate.Check("GET /x", presented));
        Assert.Equal(AccessOutcome.Allowed, gate.Check("GET /x", Key1));
    }

    [Fact]
    public void Check_KeyOverTheLengthBound_IsForbidden_EvenIfItsDigestWereConfigured()
    {
        // The file takes values of at most 256 characters; a digest can name any key, so configure the 257-character one by digest.
        string longKey = new('k', 257), limitKey = new('k', 256);
        string Digest(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(key)));
        var gate = Start(Config($$"""
            "usagePlans": [ { "name": "gold", "stages": ["a/s"] } ],
            "apiKeys": { "keys": [ { "id": "k1", "sha256": "{{Digest(longKey)}}", "usagePlans": ["gold"] },
                                   { "id": "k2", "sha256": "{{Digest(limitKey)}}", "usagePlans": ["gold"] } ] },
            """, Route("GET /x")));

        Assert.Equal(AccessOutcome.Forbidden, gate.Check("GET /x", longKey));
        Assert.Equal(AccessOutcome.Allowed, gate.Check("GET /x", limitKey));
    }

    [Fact]
    public void Check_KeyDisabledInTheConfiguration_IsForbidden()
    {
        var gate = Start(Config(PlansAndKeys(k1: """, "enabled": false"""), Route("GET /x")));

        Assert.Equal(AccessOutcome.Forbidden, gate.Check("GET /x", Key1));
        Assert.Equal(AccessOutcome.Allowed, gate.Check("GET /x", Key2));
    }

    [Fact]
    public void Check_KeyDisabledThroughTheAdminApi_IsForbiddenUntilEnabledAgain()
    {
        var gate = Start(Config(PlansAndKeys(), Route("GET /x")));
        Assert.Equal(AccessOutcome.Allowed, gate.Check("GET /x", Key1));

        Assert.True(gate.Access.SetEnabled("k1", false));
        Assert.Equal(AccessOutcome.Forbidden, gate.Check("GET /x", Key1));
        Assert.Equal(AccessOutcome.Allowed, gate.Check("GET /x", Key2));

        Assert.True(gate.Access.SetEnabled("k1", true));
        Assert.Equal(AccessOutcome.Allowed, gate.Check("GET /x", Key1));
    }

    [Fact]
    public void Check_KeyCreatedThroughTheAdminApi_IsAllowed_AndForbiddenOnceDeleted()
    {
        var gate = Start(Config(PlansAndKeys(), Route("GET /x")));
        var created = gate.Access.CreateKey("runtime-1", ["gold"], out string? error);
        Assert.Null(error);
        string plain = created!.Value.PlainKey;

        Assert.Equal(AccessOutcome.Allowed, gate.Check("GET /x", plain));
        Assert.True(gate.Access.DeleteKey("runtime-1", out bool fromConfig));
        Assert.False(fromConfig);
        Assert.Equal(AccessOutcome.Forbidden, gate.Check("GET /x", plain));
    }

    [Fact]
    public void Check_KeyWhosePlanDoesNotCoverTheStage_IsForbidden()
    {
        var gate = Start(Config(PlansAndKeys(), Route("GET /x")));

        // k3's only plan (silver) covers a/t, not a/s; gold keys are refused on a/t.
        Assert.Equal(AccessOutcome.Forbidden, gate.Check("GET /x", Key3, stage: "s"));
        Assert.Equal(AccessOutcome.Allowed, gate.Check("GET /x", Key3, stage: "t"));
        Assert.Equal(AccessOutcome.Forbidden, gate.Check("GET /x", Key1, stage: "t"));
    }

    [Fact]
    public void Check_KeyWithoutAnyPlan_IsForbidden()
    {
        var gate = Start(Config($$"""
            "usagePlans": [ { "name": "gold", "stages": ["a/s"] } ],
            "apiKeys": { "keys": [ { "id": "k1", "value": "{{Key1}}" } ] },
            """, Route("GET /x")));

        Assert.Equal(AccessOutcome.Forbidden, gate.Check("GET /x", Key1));
    }

    [Fact]
    public void Check_RouteWithoutKeyRequirement_AdmitsWithOrWithoutAKey_AndAppliesNoPlanLimits()
    {
        var gate = Start(Config(
            PlansAndKeys(gold: $$""", "throttle": {{Throttle(1)}}, "quota": { "limit": 1, "period": "DAY" }"""),
            Route("GET /open", keyRequired: false, extra: $""" "throttle": {Throttle(100)}, """)));

        Assert.Equal(AccessOutcome.Allowed, gate.Check("GET /open", null));
        Assert.Equal(AccessOutcome.Allowed, gate.Check("GET /open", "key-unknown-abcdefghijklmnopqrstuvwxyz"));
        // gold allows one request a day at one a second; a route without apiKeyRequired does not apply it.
        Assert.Equal(new() { [AccessOutcome.Allowed] = 5 }, gate.Send(5, "GET /open", Key1));
        Assert.Equal(0, gate.QuotaUsed("k1", "gold"));
    }

    [Fact]
    public void Check_ForbiddenRequests_TakeNoToken()
    {
        var gate = Start(Config($""" "throttle": {Throttle(2)}, """ + PlansAndKeys(), Route("GET /x")));

        Assert.Equal(new() { [AccessOutcome.Forbidden] = 5 }, gate.Send(5, "GET /x", "key-unknown-abcdefghijklmnopqrstuvwxyz"));
        Assert.Equal(new() { [AccessOutcome.Allowed] = 2, [AccessOutcome.Throttled] = 1 }, gate.Send(3, "GET /x", Key1));
    }

    // --- throttles ------------------------------------------------------------------------------------------

    /// <summary>Every level at burst 10 except <paramref name="tight"/> at 3: that level alone decides.</summary>
    [Theory]
    [InlineData("gateway")]
    [InlineData("stage")]
    [InlineData("route")]
    [InlineData("plan")]
    [InlineData("routeThrottles")]
    [InlineData("clientIp")]
    public void Check_EveryLevelIsChecked_AndTheTightestWins(string tight)
    {
        const int Loose = 10, Tight = 3;
        int Burst(string level) => level == tight ? Tight : Loose;
        string routeThrottles = tight == "routeThrottles" ? $$""", "routeThrottles": { "GET /x": {{Throttle(Tight)}} }""" : "";
        var gate = Start(Config(
            $""" "throttle": {Throttle(Burst("gateway"))}, """ + PlansAndKeys(gold: $""", "throttle": {Throttle(Burst("plan"))}{routeThrottles}"""),
            Route("GET /x", $""" "throttle": {Throttle(Burst("route"))}, "clientIpThrottle": {Throttle(Burst("clientIp"))}, """),
            stage: $""", "throttle": {Throttle(Burst("stage"))}"""));

        // Admitted: the decision reports the bucket with the fewest tokens left.
        Assert.Equal(AccessOutcome.Allowed, gate.Check("GET /x", Key1, out var first));
        Assert.True(first.Allowed);
        Assert.Equal((Tight, Tight - 1), (first.Limit, first.Remaining));

        Assert.Equal(new() { [AccessOutcome.Allowed] = Tight - 1 }, gate.Send(Tight - 1, "GET /x", Key1));
        Assert.Equal(AccessOutcome.Throttled, gate.Check("GET /x", Key1, out var refused));
        Assert.False(refused.Allowed);
        Assert.Equal((Tight, 0), (refused.Limit, refused.Remaining));
        Assert.Equal(_time.TimestampFrequency, refused.RetryAfterTicks); // one token a second
        Assert.Equal(_time.TimestampFrequency, refused.TicksPerSecond);

        // One second refills one token of the tight bucket.
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(new() { [AccessOutcome.Allowed] = 1, [AccessOutcome.Throttled] = 1 }, gate.Send(2, "GET /x", Key1));
    }

    [Fact]
    public void Check_GatewayThrottle_AppliesToRoutesThatNeedNoKey()
    {
        var gate = Start(Config($""" "throttle": {Throttle(2)}, """, Route("GET /open", keyRequired: false)));

        Assert.Equal(new() { [AccessOutcome.Allowed] = 2, [AccessOutcome.Throttled] = 1 }, gate.Send(3, "GET /open", null));
    }

    [Fact]
    public void Check_GatewayBucket_IsSharedByEveryStageAndRoute()
    {
        var gate = Start(Config($""" "throttle": {Throttle(3)}, """ + PlansAndKeys(), Route("GET /x") + "," + Route("GET /y")));

        Assert.Equal(AccessOutcome.Allowed, gate.Check("GET /x", Key1));
        Assert.Equal(AccessOutcome.Allowed, gate.Check("GET /y", Key2));
        Assert.Equal(AccessOutcome.Allowed, gate.Check("GET /x", Key3, stage: "t"));
        Assert.Equal(AccessOutcome.Throttled, gate.Check("GET /y", Key3, stage: "t"));
    }

    [Fact]
    public void Check_StageBucket_IsSharedByTheStagesRoutes_AndNotByOtherStages()
    {
        var gate = Start(Config(PlansAndKeys(), Route("GET /x") + "," + Route("GET /y"), stage: $""", "throttle": {Throttle(3)}"""));

        Assert.Equal(new() { [AccessOutcome.Allowed] = 2 }, gate.Send(2, "GET /x", Key1));
        Assert.Equal(AccessOutcome.Allowed, gate.Check("GET /y", Key2));
        Assert.Equal(AccessOutcome.Throttled, gate.Check("GET /y", Key2));
        Assert.Equal(AccessOutcome.Throttled, gate.Check("GET /x", Key1));
        Assert.Equal(new() { [AccessOutcome.Allowed] = 5 }, gate.Send(5, "GET /x", Key3, stage: "t"));
    }

    [Fact]
    public void Check_RouteBucket_IsPerRouteAndPerStage()
    {
        var gate = Start(Config(PlansAndKeys(), Route("GET /x", $""" "throttle": {Throttle(2)}, """) + "," + Route("GET /y")));

        Assert.Equal(new() { [AccessOutcome.Allowed] = 2, [AccessOutcome.Throttled] = 1 }, gate.Send(3, "GET /x", Key1));
        Assert.Equal(new() { [AccessOutcome.Allowed] = 3 }, gate.Send(3, "GET /y", Key1));
        Assert.Equal(new() { [AccessOutcome.Allowed] = 2, [AccessOutcome.Throttled] = 1 }, gate.Send(3, "GET /x", Key3, stage: "t"));
    }

    [Fact]
    public void Check_PlanBucket_IsPerKey_AndSharedByThePlansRoutes()
    {
        var gate = Start(Config(PlansAndKeys(gold: $""", "throttle": {Throttle(2)}"""), Route("GET /x") + "," + Route("GET /y")));

        Assert.Equal(AccessOutcome.Allowed, gate.Check("GET /x", Key1));
        Assert.Equal(AccessOutcome.Allowed, gate.Check("GET /y", Key1));
        Assert.Equal(AccessOutcome.Throttled, gate.Check("GET /x", Key1));
        Assert.Equal(AccessOutcome.Throttled, gate.Check("GET /y", Key1));

        // k2 is on the same plan with a bucket of its own.
        Assert.Equal(new() { [AccessOutcome.Allowed] = 2, [AccessOutcome.Throttled] = 1 }, gate.Send(3, "GET /y", Key2));
    }

    [Fact]
    public void Check_PlanRouteThrottle_ReplacesThePlanThrottleForThatRoute_WithItsOwnBucket()
    {
        var gate = Start(Config(
            PlansAndKeys(gold: $$""", "throttle": {{Throttle(1)}}, "routeThrottles": { "GET /x": {{Throttle(4)}} }"""),
            Route("GET /x") + "," + Route("GET /y")));

        // GET /y spends the plan bucket (1); GET /x has its own 4, not also limited by the plan's 1.
        Assert.Equal(new() { [AccessOutcome.Allowed] = 1, [AccessOutcome.Throttled] = 1 }, gate.Send(2, "GET /y", Key1));
        Assert.Equal(AccessOutcome.Allowed, gate.Check("GET /x", Key1, out var decision));
        Assert.Equal((4, 3), (decision.Limit, decision.Remaining));
        Assert.Equal(new() { [AccessOutcome.Allowed] = 3, [AccessOutcome.Throttled] = 1 }, gate.Send(4, "GET /x", Key1));

        // Per key there too.
        Assert.Equal(new() { [AccessOutcome.Allowed] = 4, [AccessOutcome.Throttled] = 1 }, gate.Send(5, "GET /x", Key2));
    }

    [Fact]
    public void Check_ClientIpBucket_IsPerAddress()
    {
        var gate = Start(Config("", Route("GET /open", keyRequired: false, extra: $""" "clientIpThrottle": {Throttle(2)}, """)));

        Assert.Equal(new() { [AccessOutcome.Allowed] = 2, [AccessOutcome.Throttled] = 1 }, gate.Send(3, "GET /open", null, Ip1));
        Assert.Equal(new() { [AccessOutcome.Allowed] = 2, [AccessOutcome.Throttled] = 1 }, gate.Send(3, "GET /open", null, Ip2));
    }

    [Fact]
    public void Check_RefillFollowsTheRate()
    {
        var gate = Start(Config("", Route("GET /open", keyRequired: false, extra: """ "throttle": { "rateLimit": 4, "burstLimit": 2 }, """)));

        Assert.Equal(new() { [AccessOutcome.Allowed] = 2, [AccessOutcome.Throttled] = 1 }, gate.Send(3, "GET /open", null));
        // 4 a second: a token every 250 ms.
        _time.Advance(TimeSpan.FromMilliseconds(249));
        Assert.Equal(AccessOutcome.Throttled, gate.Check("GET /open", null, out var refused));
        Assert.Equal(_time.TimestampFrequency / 1000, refused.RetryAfterTicks);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(new() { [AccessOutcome.Allowed] = 1, [AccessOutcome.Throttled] = 1 }, gate.Send(2, "GET /open", null));
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(new() { [AccessOutcome.Allowed] = 2, [AccessOutcome.Throttled] = 1 }, gate.Send(3, "GET /open", null));
    }

    /// <summary>
    /// One client over its own limit must not use up the buckets it shares with everyone else: AWS applies the
    /// per-client limits first, and a request refused there never reaches the stage or account buckets.
    /// </summary>
    [Theory]
    [InlineData("plan")]
    [InlineData("clientIp")]
    public void Check_RequestRefusedByAPerClientBucket_SpendsNoTokenOfTheSharedBuckets(string perClient)
    {
        var gate = Start(Config(
            PlansAndKeys(gold: perClient == "plan" ? $""", "throttle": {Throttle(1)}""" : ""),
            Route("GET /x", perClient == "clientIp" ? $""" "clientIpThrottle": {Throttle(1)}, """ : ""),
            stage: $""", "throttle": {Throttle(3)}"""));

        // The first client: one request admitted, four refused by its own bucket.
        Assert.Equal(new() { [AccessOutcome.Allowed] = 1, [AccessOutcome.Throttled] = 4 }, gate.Send(5, "GET /x", Key1, Ip1));

        // The stage admitted one request of its three, so two are left for other clients (each allowed one by its
        // own bucket of one), and then the stage refuses.
        if (perClient == "plan")
        {
            Assert.Equal(AccessOutcome.Allowed, gate.Check("GET /x", Key2, Ip1));
            Assert.Equal(AccessOutcome.Throttled, gate.Check("GET /x", Key2, Ip1));
        }
        else
        {
            Assert.Equal(AccessOutcome.Allowed, gate.Check("GET /x", Key2, Ip2));
            Assert.Equal(AccessOutcome.Allowed, gate.Check("GET /x", Key2, "10.0.0.3"u8.ToArray()));
            Assert.Equal(AccessOutcome.Throttled, gate.Check("GET /x", Key2, "10.0.0.4"u8.ToArray()));
        }
    }

    // --- quotas ---------------------------------------------------------------------------------------------

    [Fact]
    public void Check_QuotaExhausted_IsLimitExceeded_UntilTheNextPeriod_AndRefusalsDoNotCount()
    {
        var gate = Start(Config(PlansAndKeys(gold: """, "quota": { "limit": 3, "period": "DAY" }"""), Route("GET /x")));

        Assert.Equal(new() { [AccessOutcome.Allowed] = 3, [AccessOutcome.QuotaExceeded] = 5 }, gate.Send(8, "GET /x", Key1));
        Assert.Equal(3, gate.QuotaUsed("k1", "gold"));
        // Per key: k2 has its own quota.
        Assert.Equal(new() { [AccessOutcome.Allowed] = 3, [AccessOutcome.QuotaExceeded] = 1 }, gate.Send(4, "GET /x", Key2));

        // The clock stands at 12:00 UTC; the DAY window ends at midnight.
        _time.Advance(TimeSpan.FromHours(11) + TimeSpan.FromMinutes(59));
        Assert.Equal(AccessOutcome.QuotaExceeded, gate.Check("GET /x", Key1));
        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(new() { [AccessOutcome.Allowed] = 3, [AccessOutcome.QuotaExceeded] = 1 }, gate.Send(4, "GET /x", Key1));
        Assert.Equal(3, gate.QuotaUsed("k1", "gold"));
    }

    [Fact]
    public void Check_ThrottledRequests_UseNoQuota()
    {
        var gate = Start(Config(PlansAndKeys(gold: $$""", "throttle": {{Throttle(2)}}, "quota": { "limit": 3, "period": "DAY" }"""), Route("GET /x")));

        Assert.Equal(new() { [AccessOutcome.Allowed] = 2, [AccessOutcome.Throttled] = 3 }, gate.Send(5, "GET /x", Key1));
        Assert.Equal(2, gate.QuotaUsed("k1", "gold"));

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(AccessOutcome.Allowed, gate.Check("GET /x", Key1));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(AccessOutcome.QuotaExceeded, gate.Check("GET /x", Key1));
        Assert.Equal(3, gate.QuotaUsed("k1", "gold"));
    }

    [Fact]
    public void Check_KeyWithSeveralPlans_CountsTheQuotaOfThePlanCoveringTheStage()
    {
        var gate = Start(Config($$"""
            "usagePlans": [
              { "name": "silver", "stages": ["a/t"], "quota": { "limit": 5, "period": "DAY" } },
              { "name": "gold", "stages": ["a/s"], "quota": { "limit": 2, "period": "DAY" } } ],
            "apiKeys": { "keys": [ { "id": "k1", "value": "{{Key1}}", "usagePlans": ["silver", "gold"] } ] },
            """, Route("GET /x")));

        Assert.Equal(new() { [AccessOutcome.Allowed] = 2, [AccessOutcome.QuotaExceeded] = 1 }, gate.Send(3, "GET /x", Key1, stage: "s"));
        Assert.Equal((2L, 0L), (gate.QuotaUsed("k1", "gold"), gate.QuotaUsed("k1", "silver")));
        Assert.Equal(new() { [AccessOutcome.Allowed] = 5, [AccessOutcome.QuotaExceeded] = 1 }, gate.Send(6, "GET /x", Key1, stage: "t"));
        Assert.Equal((2L, 5L), (gate.QuotaUsed("k1", "gold"), gate.QuotaUsed("k1", "silver")));
    }

    [Fact]
    public void Rebind_ToAReloadedModel_KeepsBucketAndQuotaState()
    {
        string json = Config(PlansAndKeys(gold: $$""", "throttle": {{Throttle(2)}}, "quota": { "limit": 3, "period": "DAY" }"""), Route("GET /x"));
        var gate = Start(json);
        Assert.Equal(new() { [AccessOutcome.Allowed] = 2, [AccessOutcome.Throttled] = 1 }, gate.Send(3, "GET /x", Key1));

        var reloaded = Valid(json);
        gate.Access.Bind(reloaded);
        var again = new Gate(gate.Access, reloaded, _time);

        Assert.Equal(AccessOutcome.Throttled, again.Check("GET /x", Key1));
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(new() { [AccessOutcome.Allowed] = 1, [AccessOutcome.QuotaExceeded] = 1 }, again.Send(2, "GET /x", Key1));
    }
}
