using System.Net;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using static EdgeGw.Server.FunctionalTests.Caching.CacheTests;

namespace EdgeGw.Server.FunctionalTests.Admin;

/// <summary>The admin API's <c>/cache</c> endpoints and cache metrics, on the cache tests' API and counting upstream.</summary>
public sealed class CacheAdminTests
{
    [Fact]
    public async Task Admin_FlushesOnePath_ThenTheStage_AndReportsMetrics()
    {
        await using var upstream = CountingUpstream();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority));
        using var client = gateway.CreateClient();
        using var admin = gateway.CreateAdminClient();
        await GetAsync(client, "/prod/items/1");
        await GetAsync(client, "/prod/items/2");
        await GetAsync(client, "/prod/items/1");

        using var flushOne = await admin.DeleteAsync("/cache/t/prod?path=/items/1");
        var afterOne = (await GetAsync(client, "/prod/items/1")).Cache;
        var untouched = (await GetAsync(client, "/prod/items/2")).Cache;
        using var flushStage = await admin.DeleteAsync("/cache/t/prod");
        var afterStage = (await GetAsync(client, "/prod/items/2")).Cache;
        using var unknown = await admin.DeleteAsync("/cache/t/nope");
        string metrics = await admin.GetStringAsync("/metrics");

        Assert.Equal("""{"flushed":1}""", await flushOne.Content.ReadAsStringAsync());
        Assert.Equal("Miss", afterOne);
        Assert.Equal("Hit", untouched);
        Assert.Equal("""{"flushed":2}""", await flushStage.Content.ReadAsStringAsync());
        Assert.Equal("Miss", afterStage);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("edgegw_cache_hits_total 2\n", metrics, StringComparison.Ordinal);
        Assert.Contains("edgegw_cache_misses_total 4\n", metrics, StringComparison.Ordinal);
        Assert.Contains("edgegw_cache_entries 1\n", metrics, StringComparison.Ordinal);
    }
}
