using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGw.Server.FunctionalTests.Access;

/// <summary>API keys, usage plans, quotas and throttles through the real gateway.</summary>
public sealed class AccessTests : IDisposable
{
    internal const string GoldKey = "gold-key-0123456789abcdef";
    private const string SilverKey = "silver-key-0123456789abcdef";
    private const string DisabledKey = "disabled-key-0123456789abcdef";
    private readonly string _statePath = Path.Combine(Path.GetTempPath(), $"edgegw-state-{Guid.NewGuid():N}.json");

    public void Dispose() => File.Delete(_statePath);

    private string Config(string extraRoutes = "", string gatewayThrottle = "") => Config(_statePath, extraRoutes, gatewayThrottle);

    /// <summary>The shop API with its plans and keys (also used by the admin API's tests), state kept in <paramref name="statePath"/>.</summary>
    internal static string Config(string statePath, string extraRoutes = "", string gatewayThrottle = "") => $$"""
        {
          "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 2 },
          {{gatewayThrottle}}
          "state": { "path": "{{statePath.Replace("\\", "\\\\", StringComparison.Ordinal)}}", "flushIntervalSeconds": 3600 },
          "usagePlans": [
            { "name": "gold", "stages": ["shop/prod"], "throttle": { "rateLimit": 1, "burstLimit": 100 },
              "routeThrottles": { "GET /slow": { "rateLimit": 1, "burstLimit": 2 } },
              "quota": { "limit": 5, "period": "DAY" } },
            { "name": "silver", "stages": ["shop/prod"], "throttle": { "rateLimit": 1, "burstLimit": 3 } }
          ],
          "apiKeys": { "keys": [
            { "id": "gold", "value": "{{GoldKey}}", "usagePlans": ["gold"] },
            { "id": "silver", "value": "{{SilverKey}}", "usagePlans": ["silver"] },
            { "id": "off", "value": "{{DisabledKey}}", "enabled": false, "usagePlans": ["silver"] },
            { "id": "noplan", "value": "noplan-key-0123456789abcdef", "usagePlans": [] }
          ] },
          "apis": [
            { "name": "shop", "stages": [ { "name": "prod" }, { "name": "dev", "throttle": { "rateLimit": 1, "burstLimit": 2 } } ],
              "routes": [
                { "key": "GET /items", "apiKeyRequired": true, "integration": { "type": "mock", "body": "items" } },
                { "key": "GET /slow", "apiKeyRequired": true, "integration": { "type": "mock", "body": "slow" } },
                { "key": "GET /open", "integration": { "type": "mock", "body": "open" } },
                { "key": "GET /route", "throttle": { "rateLimit": 1, "burstLimit": 3 }, "integration": { "type": "mock", "body": "route" } },
                { "key": "GET /perip", "clientIpThrottle": { "rateLimit": 1, "burstLimit": 2 }, "integration": { "type": "mock", "body": "ip" } }
                {{extraRoutes}}
              ] }
          ]
        }
        """;

    internal static async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> GetAsync(HttpClient client, string path, string? key = null)
    {
        using var request = new HttpRequestMessage(System.Net.Http.HttpMethod.Get, path);
        if (key is not null)
        {
            request.Headers.Add("x-api-key", key);
        }

        var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : "";

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key-0123456789abcdef")]
    [InlineData(DisabledKey)]
    [InlineData("noplan-key-0123456789abcdef")]
    public async Task KeyRequired_MissingUnknownDisabledOrWithoutPlan_Is403(string? key)
    {
        await using var gateway = await TestGateway.StartAsync(Config());
        using var client = gateway.CreateClient();

        var response = await GetAsync(client, "/prod/items", key);

        Assert.Equal(HttpStatusCode.Forbidden, response.Status);
        Assert.Equal("""{"message":"Forbidden"}""", response.Body);
    }

    [Fact]
    public async Task ValidKey_IsServed_AndOpenRoutesNeedNone()
    {
        await using var gateway = await TestGateway.StartAsync(Config());
        using var client = gateway.CreateClient();

        Assert.Equal("items", (await GetAsync(client, "/prod/items", GoldKey)).Body);
        Assert.Equal("open", (await GetAsync(client, "/prod/open")).Body);
    }

    [Fact]
    public async Task PlanThrottle_Is429_WithRetryAfterAndRateLimitHeaders()
    {
        var time = new FakeTimeProvider();
        await using var gateway = await TestGateway.StartAsync(Config(), time);
        using var client = gateway.CreateClient();

        var statuses = new List<HttpStatusCode>();
        (HttpStatusCode Status, string Body, HttpResponseMessage Response) last = default;
        for (int i = 0; i < 4; i++)
        {
            last = await GetAsync(client, "/prod/items", SilverKey);
            statuses.Add(last.Status);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal("""{"message":"Too Many Requests"}""", last.Body);
        Assert.Equal("1", Header(last.Response!, "Retry-After"));
        Assert.Equal("3", Header(last.Response!, "RateLimit-Limit"));
        Assert.Equal("0", Header(last.Response!, "RateLimit-Remaining"));
        Assert.Equal("3", Header(last.Response!, "RateLimit-Reset"));

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/prod/items", SilverKey)).Status);
        // Another key's bucket is its own.
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/prod/items", GoldKey)).Status);
    }

    [Fact]
    public async Task RouteOverride_InThePlan_IsTighterThanThePlanThrottle()
    {
        await using var gateway = await TestGateway.StartAsync(Config(), new FakeTimeProvider());
        using var client = gateway.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 3; i++)
        {
            statuses.Add((await GetAsync(client, "/prod/slow", GoldKey)).Status);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/prod/items", GoldKey)).Status);
    }

    [Fact]
    public async Task Quota_Exhausted_Is429LimitExceeded_WithRetryAfterToTheNextPeriod_AndResetsThen()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-31T23:00:00Z", CultureInfo.InvariantCulture));
        await using var gateway = await TestGateway.StartAsync(Config(), time);
        using var client = gateway.CreateClient();

        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/prod/items", GoldKey)).Status);
        }

        // The DAY quota's period starts again at midnight UTC: an hour away.
        var over = await GetAsync(client, "/prod/items", GoldKey);
        Assert.Equal(HttpStatusCode.TooManyRequests, over.Status);
        Assert.Equal("""{"message":"Limit Exceeded"}""", over.Body);
        Assert.Equal("3600", Header(over.Response, "Retry-After"));

        // Whole seconds, rounded up: 1800.5 s left is 1801.
        time.Advance(TimeSpan.FromSeconds(1799.5));
        var later = await GetAsync(client, "/prod/items", GoldKey);
        Assert.Equal(HttpStatusCode.TooManyRequests, later.Status);
        Assert.Equal("1801", Header(later.Response, "Retry-After"));

        // An hour after the first refusal the new period has begun.
        time.Advance(TimeSpan.FromSeconds(1800.5));
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/prod/items", GoldKey)).Status);
    }

    [Fact]
    public async Task StageRouteAndClientIpThrottles_AreEachEnforced()
    {
        await using var gateway = await TestGateway.StartAsync(Config(), new FakeTimeProvider());
        using var client = gateway.CreateClient();

        async Task<int> Admitted(string path, int attempts)
        {
            int ok = 0;
            for (int i = 0; i < attempts; i++)
            {
                ok += (await GetAsync(client, path)).Status == HttpStatusCode.OK ? 1 : 0;
            }

            return ok;
        }

        Assert.Equal(2, await Admitted("/dev/open", 5));
        Assert.Equal(3, await Admitted("/prod/route", 6));
        Assert.Equal(2, await Admitted("/prod/perip", 6));
        Assert.Equal(6, await Admitted("/prod/open", 6));
    }

    [Fact]
    public async Task GatewayThrottle_AppliesToEveryRoute()
    {
        // A frozen clock: on the real one a slow machine could refill a token between requests.
        await using var gateway = await TestGateway.StartAsync(Config(gatewayThrottle: """ "throttle": { "rateLimit": 1, "burstLimit": 4 }, """), new FakeTimeProvider());
        using var client = gateway.CreateClient();

        int ok = 0;
        foreach (string path in new[] { "/prod/open", "/prod/route", "/dev/open", "/prod/open", "/prod/open", "/prod/open" })
        {
            ok += (await GetAsync(client, path)).Status == HttpStatusCode.OK ? 1 : 0;
        }

        Assert.Equal(4, ok);
    }

    [Fact]
    public async Task Restart_KeepsQuotaUsageAndAdminKeys()
    {
        string plain;
        await using (var first = await TestGateway.StartAsync(Config()))
        {
            using var client = first.CreateClient();
            using var admin = first.CreateAdminClient();
            using var created = await admin.PostAsJsonAsync("/apikeys", new { id = "kept", usagePlans = new[] { "gold" } });
            plain = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("value").GetString()!;
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await GetAsync(client, "/prod/items", GoldKey)).Status);
            }

            await first.StopAsync();
        }

        Assert.DoesNotContain(plain, await File.ReadAllTextAsync(_statePath), StringComparison.Ordinal);

        await using var second = await TestGateway.StartAsync(Config());
        using var again = second.CreateClient();
        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 3; i++)
        {
            statuses.Add((await GetAsync(again, "/prod/items", GoldKey)).Status);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(again, "/prod/items", plain)).Status);
    }
}
