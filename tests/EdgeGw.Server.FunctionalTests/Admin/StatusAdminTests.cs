using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text.Json;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Admin;

/// <summary>The admin API's status endpoints: <c>/health</c>, <c>/ready</c>, <c>/config</c>, <c>/routes</c>, <c>/clusters</c>.</summary>
public sealed class StatusAdminTests
{
    [Fact]
    public async Task Health_IsOk_AndReady_IsReadyWithoutRedis()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, DeadPort()));
        using var admin = gateway.CreateAdminClient();

        using var health = await admin.GetAsync("/health");
        using var ready = await admin.GetAsync("/ready");
        using var readyJson = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("""{"status":"ok"}""", await health.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("ready", readyJson.RootElement.GetProperty("status").GetString());
        Assert.Equal(0, readyJson.RootElement.GetProperty("notReady").GetArrayLength());
        Assert.Equal("not configured", readyJson.RootElement.GetProperty("redis").GetString());
        Assert.Equal($"http://127.0.0.1:{gateway.Port}/", readyJson.RootElement.GetProperty("listeners").GetProperty("gateway")[0].GetString());
    }

    [Fact]
    public async Task Ready_RedisConfiguredAndRefused_Is503NamingRedis()
    {
        await using var upstream = Upstreams.Echo();
        int refused = DeadPort();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, DeadPort(), redis: $"127.0.0.1:{refused}"));
        using var admin = gateway.CreateAdminClient();

        using var ready = await admin.GetAsync("/ready");
        using var health = await admin.GetAsync("/health");
        using var json = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal("not ready", json.RootElement.GetProperty("status").GetString());
        Assert.Equal("unreachable", json.RootElement.GetProperty("redis").GetString());
        var notReady = json.RootElement.GetProperty("notReady");
        Assert.Equal(1, notReady.GetArrayLength());
        Assert.StartsWith("redis: not connected", notReady[0].GetString(), StringComparison.Ordinal);
        // Liveness does not depend on Redis: restarting the process would not bring Redis back.
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [RedisFact]
    public async Task Ready_RedisConfiguredAndRunning_IsReady()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, DeadPort(), redis: redis.Configuration));
        using var admin = gateway.CreateAdminClient();

        using var ready = await admin.GetAsync("/ready");
        using var json = JsonDocument.Parse(await ready.Content.ReadAsStringAsync());

        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("connected", json.RootElement.GetProperty("redis").GetString());
    }

    [Fact]
    public async Task Config_IsTheEffectiveConfig_WithSecretsRedacted()
    {
        await using var upstream = Upstreams.Echo();
        int refused = DeadPort();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, DeadPort(), redis: $"127.0.0.1:{refused},password=redis-password-secret"));
        using var admin = gateway.CreateAdminClient();

        using var response = await admin.GetAsync("/config");
        string body = await response.Content.ReadAsStringAsync();
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("plain-secret-key-value-1", body, StringComparison.Ordinal);
        Assert.DoesNotContain("redis-password-secret", body, StringComparison.Ordinal);
        Assert.Equal("(redacted)", root.GetProperty("apiKeys").GetProperty("keys")[0].GetProperty("value").GetString());
        Assert.Equal("k1", root.GetProperty("apiKeys").GetProperty("keys")[0].GetProperty("id").GetString());
        Assert.Equal($"127.0.0.1:{refused},password=(redacted)", root.GetProperty("redis").GetProperty("configuration").GetString());
        Assert.Equal(upstream.Authority, root.GetProperty("clusters")[0].GetProperty("destinations")[0].GetString());
    }

    [Fact]
    public async Task Routes_ListsEveryRoute_WithHostsAndIntegration()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, DeadPort()));
        using var admin = gateway.CreateAdminClient();

        using var response = await admin.GetAsync("/routes");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var routes = json.RootElement.EnumerateArray()
            .Select(r => $"{r.GetProperty("api").GetString()}|{r.GetProperty("stage").GetString()}|{string.Join(",", r.GetProperty("hosts").EnumerateArray().Select(h => h.GetString()))}|{r.GetProperty("routeKey").GetString()}|{r.GetProperty("integration").GetString()}|{(r.GetProperty("cluster").ValueKind == JsonValueKind.Null ? "-" : r.GetProperty("cluster").GetString())}")
            .ToList();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(
            [
                "t|prod||GET /up/{proxy+}|http|up",
                "t|prod||GET /dead|http|dead",
                "h|live|api.example.com|GET /mock|mock|-",
            ],
            routes);
    }

    [Fact]
    public async Task Clusters_ShowsHealthInFlightAndPooledConnections()
    {
        await using var upstream = Upstreams.Echo();
        int dead = DeadPort();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, dead));
        using var client = gateway.CreateClient();
        using var admin = gateway.CreateAdminClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/prod/up/x")).StatusCode);
        Assert.True((int)(await client.GetAsync("/prod/dead")).StatusCode >= 500);
        // The upstream connection goes back to the pool as the response is taken; wait for that signal, not a time.
        var up = gateway.Runtime.Current.Clusters[0].Destinations[0];
        Assert.True(await Eventually.TrueAsync(() => up.IdleConnections == 1));

        using var response = await admin.GetAsync("/clusters");
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var clusters = json.RootElement;
        var healthy = clusters[0].GetProperty("destinations")[0];
        var ejected = clusters[1].GetProperty("destinations")[0];

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("up", clusters[0].GetProperty("name").GetString());
        Assert.Equal(upstream.Authority, healthy.GetProperty("authority").GetString());
        Assert.True(healthy.GetProperty("healthy").GetBoolean());
        Assert.Equal(JsonValueKind.Null, healthy.GetProperty("unhealthyReason").ValueKind);
        Assert.Equal(0, healthy.GetProperty("inFlight").GetInt32());
        Assert.Equal(1, healthy.GetProperty("idleConnections").GetInt32());
        Assert.Equal("dead", clusters[1].GetProperty("name").GetString());
        Assert.Equal($"127.0.0.1:{dead}", ejected.GetProperty("authority").GetString());
        Assert.False(ejected.GetProperty("healthy").GetBoolean());
        Assert.StartsWith("passive health", ejected.GetProperty("unhealthyReason").GetString(), StringComparison.Ordinal);
        var until = ejected.GetProperty("ejectedUntil").GetDateTimeOffset();
        Assert.InRange(until, DateTimeOffset.UtcNow.AddSeconds(30), DateTimeOffset.UtcNow.AddSeconds(61));
        Assert.Equal(1, ejected.GetProperty("ejections").GetInt64());
    }

    [Fact]
    public async Task StatusEndpoints_RefuseOtherMethods()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, DeadPort()));
        using var admin = gateway.CreateAdminClient();

        using var response = await admin.PostAsync("/config", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    /// <summary>A loopback port nothing listens on: connecting is refused at once.</summary>
    internal static int DeadPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>
    /// API "t" (any host), stage prod: <c>GET /up/{proxy+}</c> → cluster "up", <c>GET /dead</c> → cluster "dead" (one
    /// refused destination, ejected after one failure for 60 s); API "h" on host api.example.com, stage live: a mock; one API key.
    /// </summary>
    internal static string Config(string upstream, int deadPort, string? redis = null, string admin = "") => $$"""
        {
          {{(redis is null ? "" : $$"""
          "redis": { "configuration": "{{redis}}", "failMode": "open" },
          """)}}
          {{(admin.Length == 0 ? "" : $$"""
          "admin": { {{admin}} },
          """)}}
          "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 2 },
          "clusters": [
            { "name": "up", "destinations": ["{{upstream}}"] },
            { "name": "dead", "destinations": ["127.0.0.1:{{deadPort}}"], "connectTimeoutMs": 1000, "retries": 0,
              "health": { "consecutiveFailures": 1, "reactivationSeconds": 60 } }
          ],
          "apis": [
            { "name": "t", "stages": [ { "name": "prod" } ],
              "routes": [
                { "key": "GET /up/{proxy+}", "integration": { "type": "http", "cluster": "up" } },
                { "key": "GET /dead", "integration": { "type": "http", "cluster": "dead" } }
              ] },
            { "name": "h", "hosts": ["api.example.com"], "stages": [ { "name": "live" } ],
              "routes": [ { "key": "GET /mock", "integration": { "type": "mock", "status": 200, "body": "hi" } } ] }
          ],
          "apiKeys": { "keys": [ { "id": "k1", "value": "plain-secret-key-value-1" } ] }
        }
        """;
}
