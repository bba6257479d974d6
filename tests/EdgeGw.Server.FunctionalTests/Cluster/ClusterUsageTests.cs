using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace EdgeGw.Server.FunctionalTests.Cluster;

/// <summary>Usage history (AWS's GetUsage) and reset (UpdateUsage) in global mode: cluster-wide, from Redis.</summary>
public sealed class ClusterUsageTests(ITestOutputHelper output)
{
    private static async Task<JsonElement> JsonAsync(HttpClient admin, string path)
    {
        using var response = await admin.GetAsync(path);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The current window's cluster-wide use once it reads <paramref name="expected"/> (idle leases settle in ~200 ms).</summary>
    private static async Task<JsonElement> SettledAsync(HttpClient admin, long expected)
    {
        var clock = Stopwatch.StartNew();
        var usage = (await JsonAsync(admin, "/apikeys/k/usage")).GetProperty("usage")[0];
        while (usage.GetProperty("used").GetInt64() != expected && clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(25);
            usage = (await JsonAsync(admin, "/apikeys/k/usage")).GetProperty("usage")[0];
        }

        return usage;
    }

    [RedisFact]
    public async Task History_IsClusterWidePerWindow_AndResetOnOneInstanceHoldsForAll()
    {
        await using var redis = await RedisServer.StartAsync();
        string prefix = $"u{Guid.NewGuid():N}:";
        string config = LeaseTests.Config(redis.Configuration, prefix, quota: 1000, leaseIdleMs: 200);
        await using var a = await TestGateway.StartAsync(config);
        await using var b = await TestGateway.StartAsync(config);
        using var clientA = a.CreateClient();
        using var clientB = b.CreateClient();
        using var adminA = a.CreateAdminClient();
        using var adminB = b.CreateAdminClient();

        Assert.True(await Eventually.TrueAsync(() => a.Runtime.Cluster!.Subscribed && b.Runtime.Cluster!.Subscribed), "not connected to Redis");

        // A first request may meet a lease Redis has not answered in time on a loaded machine (then failMode: 429):
        // what counts is what was admitted.
        int served = 0;
        for (int i = 0; i < 7; i++)
        {
            served += await LeaseTests.GetAsync(i % 2 == 0 ? clientA : clientB, LeaseTests.Key) == HttpStatusCode.OK ? 1 : 0;
        }

        Assert.True(served > 0);
        var current = await SettledAsync(adminB, served);
        Assert.Equal(served, current.GetProperty("used").GetInt64());
        Assert.Equal("cluster", current.GetProperty("scope").GetString());

        // Three WEEK windows: the two before this one (unused) and this one.
        string from = DateTimeOffset.UtcNow.AddDays(-14).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var history = await JsonAsync(adminA, $"/apikeys/k/usage?from={from}");
        output.WriteLine(history.ToString());
        var items = history.GetProperty("usage")[0].GetProperty("items").GetProperty("k");
        Assert.InRange(items.GetArrayLength(), 3, 4);
        Assert.Equal($"[{served},{1000 - served}]", items[items.GetArrayLength() - 1].GetRawText());
        Assert.Equal("[0,1000]", items[0].GetRawText());
        Assert.Equal("cluster", history.GetProperty("scope").GetString());

        // A window's counter outlives its window (the history's 90 days).
        var start = current.GetProperty("periodStart").GetDateTimeOffset();
        var end = current.GetProperty("periodEnd").GetDateTimeOffset();
        await using (var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration))
        {
            var ttl = await connection.GetDatabase().KeyTimeToLiveAsync($"{prefix}quota|p|k|{start.UtcTicks}");
            Assert.NotNull(ttl);
            Assert.True(DateTimeOffset.UtcNow + ttl.Value > end.AddDays(89), $"the counter expires in {ttl}");
        }

        using (var reset = await adminA.PostAsync("/apikeys/k/usage/reset", null))
        {
            Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
        }

        Assert.Equal(0, (await SettledAsync(adminB, 0)).GetProperty("used").GetInt64());
        int again = 0;
        for (int i = 0; i < 3; i++)
        {
            again += await LeaseTests.GetAsync(clientB, LeaseTests.Key) == HttpStatusCode.OK ? 1 : 0;
        }

        Assert.True(again > 0);
        Assert.Equal(again, (await SettledAsync(adminA, again)).GetProperty("used").GetInt64());

        using (var partial = await adminB.PostAsJsonAsync("/apikeys/k/usage/reset", new { usagePlan = "p", remaining = 10 }))
        {
            Assert.Equal(HttpStatusCode.OK, partial.StatusCode);
        }

        var after = await SettledAsync(adminA, 990);
        Assert.Equal((990, 10), (after.GetProperty("used").GetInt64(), after.GetProperty("remaining").GetInt64()));
    }
}
