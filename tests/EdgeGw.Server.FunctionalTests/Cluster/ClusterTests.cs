using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using Xunit.Abstractions;
using static EdgeGw.Server.FunctionalTests.Caching.CacheTests;

namespace EdgeGw.Server.FunctionalTests.Cluster;

/// <summary>Several gateways sharing one real redis-server: membership (<c>GET /cluster</c>) and cache invalidation.</summary>
public sealed class ClusterTests(ITestOutputHelper output)
{
    private static string CacheConfig(string upstream, string redis, string prefix)
    {
        string config = Config(upstream);
        int store = config.IndexOf("\"cache\": {", StringComparison.Ordinal);
        return config.Insert(store, $$"""
            "redis": { "configuration": "{{redis}}", "keyPrefix": "{{prefix}}", "instanceTtlMs": 900 },
            """);
    }

    private static async Task<JsonElement> ClusterAsync(TestGateway gateway)
    {
        using var admin = gateway.CreateAdminClient();
        return JsonDocument.Parse(await admin.GetStringAsync("/cluster")).RootElement;
    }

    private static async Task<JsonElement> PollClusterAsync(TestGateway gateway, int instances)
    {
        var clock = Stopwatch.StartNew();
        var list = await ClusterAsync(gateway);
        while (list.GetProperty("instances").GetArrayLength() != instances && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(25);
            list = await ClusterAsync(gateway);
        }

        return list;
    }

    [RedisFact]
    public async Task Instances_ListEachOther_AndAStoppedOneLeavesTheList()
    {
        await using var redis = await RedisServer.StartAsync();
        string config = LeaseTests.Config(redis.Configuration, $"m{Guid.NewGuid():N}:", instanceTtlMs: 900);
        await using var a = await TestGateway.StartAsync(config);
        var b = await TestGateway.StartAsync(config);

        var both = await PollClusterAsync(a, 2);
        output.WriteLine(both.ToString());
        var instances = both.GetProperty("instances").EnumerateArray().ToArray();
        Assert.Equal("global", both.GetProperty("mode").GetString());
        Assert.Equal(2, instances.Length);
        Assert.Equal(a.Runtime.Cluster!.Id, both.GetProperty("self").GetString());
        var entryB = instances.Single(i => i.GetProperty("id").GetString() == b.Runtime.Cluster!.Id);
        Assert.Contains($"127.0.0.1:{b.Port}", entryB.GetProperty("addresses")[0].GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(entryB.GetProperty("version").GetString()));
        Assert.True(entryB.GetProperty("startedAt").GetDateTimeOffset() <= DateTimeOffset.UtcNow);
        Assert.True(entryB.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddSeconds(-5));

        await b.DisposeAsync();
        var one = await PollClusterAsync(a, 1);
        Assert.Equal(a.Runtime.Cluster!.Id, one.GetProperty("instances")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task WithoutRedis_ClusterListsThisInstanceAlone()
    {
        await using var upstream = CountingUpstream();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority));
        var list = await ClusterAsync(gateway);
        Assert.Equal("local", list.GetProperty("mode").GetString());
        Assert.Equal(1, list.GetProperty("instances").GetArrayLength());
    }

    [RedisFact]
    public async Task AdminFlush_OnOneInstance_FlushesEveryInstance()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var upstream = CountingUpstream();
        string config = CacheConfig(upstream.Authority, redis.Configuration, $"f{Guid.NewGuid():N}:");
        await using var a = await TestGateway.StartAsync(config);
        await using var b = await TestGateway.StartAsync(config);
        using var clientA = a.CreateClient();
        using var clientB = b.CreateClient();
        using var adminA = a.CreateAdminClient();
        await WaitSubscribedAsync(a, b);

        await GetAsync(clientA, "/prod/items/1");
        await GetAsync(clientB, "/prod/items/1");
        await GetAsync(clientB, "/prod/items/2");
        Assert.Equal("Hit", (await GetAsync(clientB, "/prod/items/1")).Cache);

        // One path of a stage, then everything.
        using (var one = await adminA.DeleteAsync("/cache/t/prod?path=/items/1"))
        {
            Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        }

        Assert.True(await Eventually.TrueAsync(() => b.Runtime.Cache.Count == 1), $"B holds {b.Runtime.Cache.Count} entries");
        Assert.Equal("Miss", (await GetAsync(clientB, "/prod/items/1")).Cache);
        Assert.Equal("Hit", (await GetAsync(clientB, "/prod/items/2")).Cache);

        using (var all = await adminA.DeleteAsync("/cache"))
        {
            Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        }

        Assert.True(await Eventually.TrueAsync(() => b.Runtime.Cache.Count == 0), $"B holds {b.Runtime.Cache.Count} entries");
        Assert.Equal("Miss", (await GetAsync(clientB, "/prod/items/2")).Cache);
    }

    [RedisFact]
    public async Task Refresh_OnOneInstance_InvalidatesThatEntryEverywhere()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var upstream = CountingUpstream();
        string config = CacheConfig(upstream.Authority, redis.Configuration, $"r{Guid.NewGuid():N}:");
        await using var a = await TestGateway.StartAsync(config);
        await using var b = await TestGateway.StartAsync(config);
        using var clientA = a.CreateClient();
        using var clientB = b.CreateClient();
        await WaitSubscribedAsync(a, b);

        await GetAsync(clientA, "/prod/warn");
        await GetAsync(clientB, "/prod/warn");
        await GetAsync(clientB, "/prod/items/1");
        Assert.Equal("Hit", (await GetAsync(clientB, "/prod/warn")).Cache);

        var refreshed = await GetAsync(clientA, "/prod/warn", ("Cache-Control", "max-age=0"), ("x-api-key", "invalidate-key-0123456789"));
        Assert.Equal("Miss", refreshed.Cache);

        Assert.True(await Eventually.TrueAsync(() => b.Runtime.Cache.Count == 1), $"B holds {b.Runtime.Cache.Count} entries");
        var afterB = await GetAsync(clientB, "/prod/warn");
        Assert.Equal("Miss", afterB.Cache);
        Assert.Equal("Hit", (await GetAsync(clientB, "/prod/items/1")).Cache);
        Assert.Equal("Hit", (await GetAsync(clientA, "/prod/warn")).Cache);
    }

    [RedisFact]
    public async Task ApiKeys_ChangedThroughOneInstance_AreInEffectOnEveryInstanceWithinASecond_AndUsageIsClusterWide()
    {
        await using var redis = await RedisServer.StartAsync();
        string config = LeaseTests.Config(redis.Configuration, $"k{Guid.NewGuid():N}:", quota: 1000, leaseIdleMs: 200);
        await using var a = await TestGateway.StartAsync(config);
        await using var b = await TestGateway.StartAsync(config);
        using var clientA = a.CreateClient();
        using var clientB = b.CreateClient();
        using var adminA = a.CreateAdminClient();
        using var adminB = b.CreateAdminClient();
        await WaitSubscribedAsync(a, b);
        int served = 0;

        async Task<TimeSpan> UntilAsync(System.Net.Http.HttpClient client, string key, HttpStatusCode wanted)
        {
            var clock = Stopwatch.StartNew();
            HttpStatusCode status;
            while ((status = await LeaseTests.GetAsync(client, key)) != wanted && clock.Elapsed < TimeSpan.FromSeconds(5))
            {
                served += status == HttpStatusCode.OK ? 1 : 0;
                await Task.Delay(10);
            }

            served += status == HttpStatusCode.OK ? 1 : 0;
            Assert.Equal(wanted, status);
            return clock.Elapsed;
        }

        using var created = await adminA.PostAsJsonAsync("/apikeys", new { id = "shared", usagePlans = new[] { "p" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        string plain = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("value").GetString()!;
        var toCreate = await UntilAsync(clientB, plain, HttpStatusCode.OK);

        using (var disabled = await adminB.PostAsync("/apikeys/shared/disable", null))
        {
            Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        }

        var toDisable = await UntilAsync(clientA, plain, HttpStatusCode.Forbidden);
        using (var enabled = await adminA.PostAsync("/apikeys/shared/enable", null))
        {
            Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
        }

        var toEnable = await UntilAsync(clientB, plain, HttpStatusCode.OK);
        await UntilAsync(clientA, plain, HttpStatusCode.OK);
        Assert.Contains("\"id\":\"shared\"", await adminB.GetStringAsync("/apikeys"), StringComparison.Ordinal);

        // Usage served by both instances, read on one (exact once the idle leases settled).
        var clock = Stopwatch.StartNew();
        string usage = await adminA.GetStringAsync("/apikeys/shared/usage");
        while (!usage.Contains($"\"used\":{served},", StringComparison.Ordinal) && clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(25);
            usage = await adminA.GetStringAsync("/apikeys/shared/usage");
        }

        output.WriteLine($"served {served}; usage on A: {usage}");
        Assert.Contains($"\"used\":{served},", usage, StringComparison.Ordinal);
        Assert.Contains("\"scope\":\"cluster\"", usage, StringComparison.Ordinal);

        using (var deleted = await adminB.DeleteAsync("/apikeys/shared"))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        var toDelete = await UntilAsync(clientA, plain, HttpStatusCode.Forbidden);
        output.WriteLine($"in effect on the other instance after: create {toCreate.TotalMilliseconds:F0} ms, disable {toDisable.TotalMilliseconds:F0} ms, enable {toEnable.TotalMilliseconds:F0} ms, delete {toDelete.TotalMilliseconds:F0} ms");
        foreach (var elapsed in new[] { toCreate, toDisable, toEnable, toDelete })
        {
            Assert.True(elapsed < TimeSpan.FromSeconds(1), $"a key change took {elapsed} to reach the other instance");
        }
    }

    /// <summary>Both instances are members (so their subscriptions, made before their first heartbeat, are on).</summary>
    private static async Task WaitSubscribedAsync(TestGateway a, TestGateway b)
    {
        var list = await PollClusterAsync(a, 2);
        Assert.Equal(2, list.GetProperty("instances").GetArrayLength());
        Assert.True(await Eventually.TrueAsync(() => a.Runtime.Cluster!.Subscribed && b.Runtime.Cluster!.Subscribed), "subscribed");
    }
}
