using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using static EdgeGw.Server.FunctionalTests.Access.AccessTests;

namespace EdgeGw.Server.FunctionalTests.Admin;

/// <summary>
/// <c>GET /apikeys/{id}/usage?from=&amp;to=</c> (AWS's GetUsage) and <c>POST /apikeys/{id}/usage/reset</c> (UpdateUsage)
/// on a single instance: the gold plan's DAY quota of 5, on the gateway's clock.
/// </summary>
public sealed class UsageHistoryTests : IDisposable
{
    private readonly string _statePath = Path.Combine(Path.GetTempPath(), $"edgegw-usage-{Guid.NewGuid():N}.json");

    public void Dispose() => File.Delete(_statePath);

    private static async Task<int> SpendAsync(HttpClient client, int requests)
    {
        int admitted = 0;
        for (int i = 0; i < requests; i++)
        {
            admitted += (await GetAsync(client, "/prod/items", GoldKey)).Status == HttpStatusCode.OK ? 1 : 0;
        }

        return admitted;
    }

    private static async Task<JsonElement> JsonAsync(HttpClient admin, string path)
    {
        using var response = await admin.GetAsync(path);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task PastDays_AreKeptPerWindow_InAwsGetUsageShape_AndSurviveARestart()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-30T10:00:00Z", CultureInfo.InvariantCulture));
        await using (var gateway = await TestGateway.StartAsync(Config(_statePath), time))
        {
            using var client = gateway.CreateClient();
            using var admin = gateway.CreateAdminClient();
            Assert.Equal(3, await SpendAsync(client, 3));
            time.Advance(TimeSpan.FromDays(1));
            Assert.Equal(5, await SpendAsync(client, 6)); // the sixth is refused and not counted
            time.Advance(TimeSpan.FromDays(2)); // Dec 2 unused; Dec 3 now
            Assert.Equal(1, await SpendAsync(client, 1));

            var history = await JsonAsync(admin, "/apikeys/gold/usage?from=2026-11-29&to=2026-12-04");
            Assert.Equal("2026-11-29", history.GetProperty("startDate").GetString());
            Assert.Equal("2026-12-04", history.GetProperty("endDate").GetString());
            var gold = history.GetProperty("usage")[0];
            Assert.Equal("gold", gold.GetProperty("usagePlanId").GetString());
            Assert.Equal("[[0,5],[3,2],[5,0],[0,5],[1,4],[0,5]]", gold.GetProperty("items").GetProperty("gold").GetRawText());
            Assert.Equal(DateTimeOffset.Parse("2026-11-30T00:00:00Z", CultureInfo.InvariantCulture), gold.GetProperty("periods")[1].GetProperty("start").GetDateTimeOffset());
        }

        // The state file keeps the closed windows (and the current one's count).
        await using (var restarted = await TestGateway.StartAsync(Config(_statePath), time))
        {
            using var admin = restarted.CreateAdminClient();
            var history = await JsonAsync(admin, "/apikeys/gold/usage?from=2026-11-30&to=2026-12-03");
            Assert.Equal("[[3,2],[5,0],[0,5],[1,4]]", history.GetProperty("usage")[0].GetProperty("items").GetProperty("gold").GetRawText());
        }
    }

    [Fact]
    public async Task Reset_SetsTheCurrentWindowsUsage_ToZeroOrToWhatShouldRemain()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-30T10:00:00Z", CultureInfo.InvariantCulture));
        await using var gateway = await TestGateway.StartAsync(Config(_statePath), time);
        using var client = gateway.CreateClient();
        using var admin = gateway.CreateAdminClient();
        Assert.Equal(5, await SpendAsync(client, 6));

        using (var reset = await admin.PostAsync("/apikeys/gold/usage/reset", null))
        {
            Assert.Equal(HttpStatusCode.OK, reset.StatusCode);
            var usage = JsonDocument.Parse(await reset.Content.ReadAsStringAsync()).RootElement.GetProperty("usage")[0];
            Assert.Equal((0, 5), (usage.GetProperty("used").GetInt64(), usage.GetProperty("remaining").GetInt64()));
        }

        Assert.Equal(5, await SpendAsync(client, 6));
        using (var partial = await admin.PostAsJsonAsync("/apikeys/gold/usage/reset", new { usagePlan = "gold", remaining = 2 }))
        {
            Assert.Equal(HttpStatusCode.OK, partial.StatusCode);
        }

        Assert.Equal(2, await SpendAsync(client, 4));
        var current = (await JsonAsync(admin, "/apikeys/gold/usage")).GetProperty("usage")[0];
        Assert.Equal((5, 0), (current.GetProperty("used").GetInt64(), current.GetProperty("remaining").GetInt64()));

        using (var unknownPlan = await admin.PostAsJsonAsync("/apikeys/gold/usage/reset", new { usagePlan = "silver" }))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknownPlan.StatusCode);
        }

        using (var get = await admin.GetAsync("/apikeys/gold/usage/reset"))
        {
            Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        }

        using (var badRange = await admin.GetAsync("/apikeys/gold/usage?from=2026-12-03&to=2026-11-01"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badRange.StatusCode);
        }

        using (var tooLong = await admin.GetAsync("/apikeys/gold/usage?from=2020-01-01&to=2026-12-03"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
        }

        using (var unknownKey = await admin.GetAsync("/apikeys/nobody/usage?from=2026-11-01"))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknownKey.StatusCode);
        }
    }
}
