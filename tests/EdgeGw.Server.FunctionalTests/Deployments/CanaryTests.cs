using System.Globalization;
using System.Net.Http;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using static EdgeGw.Server.FunctionalTests.Deployments.DeploymentFixture;

namespace EdgeGw.Server.FunctionalTests.Deployments;

/// <summary>A stage's canary through a real gateway: its share, stickiness, access log and metrics tags, promote and delete.</summary>
public sealed class CanaryTests
{
    /// <summary>Deployment 1 (v1) on the stage, deployment 2 (v2) made but not served; the gateway then runs <paramref name="canary"/>'s config.</summary>
    private static async Task<TestGateway> StartWithCanaryAsync(DeploymentFixture fixture, string canary, bool accessLog = false)
    {
        var gateway = await TestGateway.StartAsync(fixture.Config("v1"));
        using var admin = gateway.CreateAdminClient();
        var (first, _) = await AdminAsync(admin, HttpMethod.Post, "/deployments", new { api = "pets", stage = "prod" });
        gateway.Runtime.Swap(TestGateway.BuildModel(fixture.Config("v2")));
        var (second, _) = await AdminAsync(admin, HttpMethod.Post, "/deployments", new { api = "pets" });
        Assert.Equal((201, 201), (first, second));
        gateway.Runtime.Swap(TestGateway.BuildModel(fixture.Config("v2", canary, accessLog)));
        return gateway;
    }

    [Fact]
    public async Task Canary_ServesItsShare_AndIsTaggedInTheAccessLogAndMetrics()
    {
        const int requests = 2000;
        await using var fixture = Create();
        await using var gateway = await StartWithCanaryAsync(fixture, """{ "deployment": 2, "percentTraffic": 20.0 }""", accessLog: true);
        using var admin = gateway.CreateAdminClient();
        var clients = Enumerable.Range(0, 4).Select(_ => gateway.CreateClient()).ToArray();

        var versions = await Task.WhenAll(clients.Select(async client =>
        {
            var seen = new List<string>(requests / 4);
            for (int i = 0; i < requests / 4; i++)
            {
                seen.Add(await GetVersionAsync(client));
            }

            return seen;
        }));
        var all = versions.SelectMany(v => v).ToList();
        int canary = all.Count(v => v == "v2");
        bool logged = await Eventually.TrueAsync(() => File.Exists(fixture.LogPath) && File.ReadAllLines(fixture.LogPath).Length >= requests);
        var lines = File.ReadAllLines(fixture.LogPath);
        string metrics = await admin.GetStringAsync("/metrics");
        foreach (var client in clients)
        {
            client.Dispose();
        }

        Assert.All(all, v => Assert.True(v is "v1" or "v2", v));
        // Binomial(2000, 0.2): mean 400, standard deviation 17.9; six of them either side fail a correct gateway about once in 10^9 runs.
        Assert.InRange(canary, 400 - 107, 400 + 107);
        Assert.True(logged, "the access log never had a line per request");
        Assert.Equal(canary, lines.Count(l => l.StartsWith("true 2 200 ", StringComparison.Ordinal)));
        Assert.Equal(requests - canary, lines.Count(l => l.StartsWith("false 1 200 ", StringComparison.Ordinal)));
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"edgegw_requests_total{{api=\"pets\",stage=\"prod\",route=\"GET /pets/{{proxy+}}\",canary=\"true\",status_class=\"2xx\"}} {canary}\n"), metrics, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"edgegw_requests_total{{api=\"pets\",stage=\"prod\",route=\"GET /pets/{{proxy+}}\",status_class=\"2xx\"}} {requests - canary}\n"), metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminCanary_CreatedWithTheDeployment_ThenItsShareSet_SwitchesAtOnce()
    {
        await using var fixture = Create();
        await using var gateway = await TestGateway.StartAsync(fixture.Config("v1"));
        using var client = gateway.CreateClient();
        using var admin = gateway.CreateAdminClient();
        await AdminAsync(admin, HttpMethod.Post, "/deployments", new { api = "pets", stage = "prod" });
        gateway.Runtime.Swap(TestGateway.BuildModel(fixture.Config("v2")));

        var (created, deployment) = await AdminAsync(admin, HttpMethod.Post, "/deployments", new { api = "pets", stage = "prod", canarySettings = new { percentTraffic = 100.0 } });
        var all = await VersionsAsync(client, 30);
        var (updated, _) = await AdminAsync(admin, HttpMethod.Put, "/stages/pets/prod/canary", new { percentTraffic = 0.0 });
        var none = await VersionsAsync(client, 30);
        var (invalid, invalidBody) = await AdminAsync(admin, HttpMethod.Put, "/stages/pets/prod/canary", new { percentTraffic = 120.0 });
        var stillNone = await VersionsAsync(client, 10);
        var (_, list) = await AdminAsync(admin, HttpMethod.Get, "/deployments");

        Assert.Equal(201, created);
        Assert.True(deployment.GetProperty("canary").GetBoolean());
        Assert.All(all, v => Assert.Equal("v2", v));
        Assert.Equal(200, updated);
        Assert.All(none, v => Assert.Equal("v1", v));
        Assert.Equal(409, invalid);
        Assert.Contains("percentTraffic", invalidBody.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.All(stillNone, v => Assert.Equal("v1", v));
        var canary = Assert.Single(list.GetProperty("stages").EnumerateArray()).GetProperty("canary");
        Assert.Equal((2, 0.0, "admin"), (canary.GetProperty("deployment").GetInt32(), canary.GetProperty("percentTraffic").GetDouble(), canary.GetProperty("source").GetString()));
    }

    /// <summary>As AWS, a canary request is served wholly by the canary's deployment: a route only it has is reached by the canary's share.</summary>
    [Fact]
    public async Task RouteOnlyTheCanaryHas_IsReachedByTheCanarysShare_AndIsA404Otherwise()
    {
        await using var fixture = Create();
        await using var gateway = await TestGateway.StartAsync(fixture.Config("v1"));
        using var client = gateway.CreateClient();
        using var admin = gateway.CreateAdminClient();
        await AdminAsync(admin, HttpMethod.Post, "/deployments", new { api = "pets", stage = "prod" });
        gateway.Runtime.Swap(TestGateway.BuildModel(fixture.Config("v2", extraRoute: """{ "key": "GET /new", "integration": { "type": "mock", "body": "new" } }""")));

        var (created, _) = await AdminAsync(admin, HttpMethod.Post, "/deployments", new { api = "pets", stage = "prod", canarySettings = new { percentTraffic = 100.0 } });
        using var canary = await client.GetAsync("/prod/new");
        string canaryBody = await canary.Content.ReadAsStringAsync();
        var (updated, _) = await AdminAsync(admin, HttpMethod.Put, "/stages/pets/prod/canary", new { percentTraffic = 0.0 });
        using var stage = await client.GetAsync("/prod/new");

        Assert.Equal(201, created);
        Assert.Equal((System.Net.HttpStatusCode.OK, "new"), (canary.StatusCode, canaryBody));
        Assert.Equal(200, updated);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, stage.StatusCode);
        Assert.All(await VersionsAsync(client, 10), v => Assert.Equal("v1", v));
    }

    private static async Task<List<string>> VersionsAsync(HttpClient client, int count)
    {
        var versions = new List<string>(count);
        for (int i = 0; i < count; i++)
        {
            versions.Add(await GetVersionAsync(client));
        }

        return versions;
    }

    [Fact]
    public async Task Routes_ListTheStagesDeploymentAndItsCanary()
    {
        await using var fixture = Create();
        await using var gateway = await StartWithCanaryAsync(fixture, """{ "deployment": 2, "percentTraffic": 5 }""");
        using var admin = gateway.CreateAdminClient();

        var (_, routes) = await AdminAsync(admin, HttpMethod.Get, "/routes");

        Assert.Equal(
            new[] { "prod|GET /pets/{proxy+}|v1|1|False", "prod|GET /pets/{proxy+}|v2|2|True" },
            routes.EnumerateArray().Select(r => $"{r.GetProperty("stage")}|{r.GetProperty("routeKey")}|{r.GetProperty("cluster")}|{r.GetProperty("deployment")}|{r.GetProperty("canary")}"));
    }

    [Fact]
    public async Task Canary_StickyByHeader_KeepsEveryClientOnOneSide()
    {
        await using var fixture = Create();
        await using var gateway = await StartWithCanaryAsync(fixture, """{ "deployment": 2, "percentTraffic": 50.0, "sticky": { "header": "X-User" } }""");
        using var client = gateway.CreateClient();

        var sides = new Dictionary<string, HashSet<string>>();
        for (int user = 0; user < 40; user++)
        {
            string name = $"user-{user}";
            sides[name] = [];
            for (int i = 0; i < 5; i++)
            {
                sides[name].Add(await GetVersionAsync(client, user: name));
            }
        }

        Assert.All(sides, s => Assert.Single(s.Value));
        // The hash puts these 40 names on both sides (a fixed outcome: the same names always land the same way).
        Assert.Contains(sides, s => s.Value.Contains("v1"));
        Assert.Contains(sides, s => s.Value.Contains("v2"));
    }

    [Fact]
    public async Task Promote_TheStageServesTheCanarysDeployment_AndTheCanaryEnds()
    {
        await using var fixture = Create();
        await using var gateway = await StartWithCanaryAsync(fixture, """{ "deployment": 2, "percentTraffic": 30.0 }""");
        using var client = gateway.CreateClient();
        using var admin = gateway.CreateAdminClient();

        var (status, body) = await AdminAsync(admin, HttpMethod.Post, "/stages/pets/prod/canary/promote");
        var after = new List<string>();
        for (int i = 0; i < 50; i++)
        {
            after.Add(await GetVersionAsync(client));
        }

        var (again, _) = await AdminAsync(admin, HttpMethod.Post, "/stages/pets/prod/canary/promote");
        var (_, list) = await AdminAsync(admin, HttpMethod.Get, "/deployments?api=pets");

        Assert.Equal(200, status);
        Assert.Equal(2, body.GetProperty("deployment").GetInt32());
        Assert.All(after, v => Assert.Equal("v2", v));
        Assert.Equal(409, again);
        var stage = Assert.Single(list.GetProperty("stages").EnumerateArray());
        Assert.Equal(2, stage.GetProperty("deployment").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, stage.GetProperty("canary").ValueKind);
    }

    [Fact]
    public async Task Delete_EveryRequestGoesBackToTheStagesDeployment()
    {
        await using var fixture = Create();
        await using var gateway = await StartWithCanaryAsync(fixture, """{ "deployment": 2, "percentTraffic": 90.0 }""");
        using var client = gateway.CreateClient();
        using var admin = gateway.CreateAdminClient();

        var (status, body) = await AdminAsync(admin, HttpMethod.Delete, "/stages/pets/prod/canary");
        var after = new List<string>();
        for (int i = 0; i < 50; i++)
        {
            after.Add(await GetVersionAsync(client));
        }

        Assert.Equal(200, status);
        Assert.Equal(2, body.GetProperty("canaryDeleted").GetInt32());
        Assert.Equal("1|False", Assert.Single((await AdminAsync(admin, HttpMethod.Get, "/routes")).Body.EnumerateArray().Select(r => $"{r.GetProperty("deployment")}|{r.GetProperty("canary")}")));
        Assert.Equal(1, body.GetProperty("deployment").GetInt32());
        Assert.All(after, v => Assert.Equal("v1", v));
    }
}
