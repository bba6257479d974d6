using System.Net.Http;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using static EdgeGw.Server.FunctionalTests.Deployments.DeploymentFixture;

namespace EdgeGw.Server.FunctionalTests.Deployments;

/// <summary>The admin API's deployments: create, list and roll back, through a real gateway and real upstreams.</summary>
public sealed class DeploymentTests
{
    [Fact]
    public async Task Deploy_SnapshotsTheRunningApi_TheStageKeepsItAcrossReloads_AndRollsBack()
    {
        await using var fixture = Create();
        await using var gateway = await TestGateway.StartAsync(fixture.Config("v1"));
        using var client = gateway.CreateClient();
        using var admin = gateway.CreateAdminClient();
        string live = await GetVersionAsync(client);

        var (createdStatus, created) = await AdminAsync(admin, HttpMethod.Post, "/deployments", new { api = "pets", stage = "prod", description = "first" });
        gateway.Runtime.Swap(TestGateway.BuildModel(fixture.Config("v2"))); // the file edited: a hot reload
        string afterEdit = await GetVersionAsync(client);
        var (_, second) = await AdminAsync(admin, HttpMethod.Post, "/deployments", new { api = "pets", stage = "prod" });
        string afterSecond = await GetVersionAsync(client);
        var (rollbackStatus, rollback) = await AdminAsync(admin, HttpMethod.Post, "/stages/pets/prod/rollback?to=1");
        string afterRollback = await GetVersionAsync(client);
        var (listStatus, list) = await AdminAsync(admin, HttpMethod.Get, "/deployments");

        Assert.Equal("v1", live);
        Assert.Equal(201, createdStatus);
        Assert.Equal(1, created.GetProperty("id").GetInt32());
        Assert.Equal("first", created.GetProperty("description").GetString());
        Assert.Equal("v1", afterEdit);
        Assert.Equal(2, second.GetProperty("id").GetInt32());
        Assert.Equal("v2", afterSecond);
        Assert.Equal(200, rollbackStatus);
        Assert.Equal(1, rollback.GetProperty("deployment").GetInt32());
        Assert.Equal("v1", afterRollback);
        Assert.Equal(200, listStatus);
        Assert.Equal(new[] { 1, 2 }, list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt32()));
        var stage = Assert.Single(list.GetProperty("stages").EnumerateArray());
        Assert.Equal(1, stage.GetProperty("deployment").GetInt32());
    }

    [Fact]
    public async Task Errors_AreAnswered_AndChangeNothing()
    {
        await using var fixture = Create();
        await using var gateway = await TestGateway.StartAsync(fixture.Config("v1"));
        using var client = gateway.CreateClient();
        using var admin = gateway.CreateAdminClient();

        var (noApi, _) = await AdminAsync(admin, HttpMethod.Post, "/deployments", new { stage = "prod" });
        var (unknownApi, unknownApiBody) = await AdminAsync(admin, HttpMethod.Post, "/deployments", new { api = "nope" });
        var (unknownStage, _) = await AdminAsync(admin, HttpMethod.Post, "/deployments", new { api = "pets", stage = "nope" });
        var (missing, missingBody) = await AdminAsync(admin, HttpMethod.Post, "/stages/pets/prod/rollback?to=5");
        var (noTo, _) = await AdminAsync(admin, HttpMethod.Post, "/stages/pets/prod/rollback");
        var (noCanary, _) = await AdminAsync(admin, HttpMethod.Post, "/stages/pets/prod/canary/promote");
        var (deleteNoCanary, _) = await AdminAsync(admin, HttpMethod.Delete, "/stages/pets/prod/canary");
        var (wrongMethod, _) = await AdminAsync(admin, HttpMethod.Get, "/stages/pets/prod/rollback?to=1");

        Assert.Equal(400, noApi);
        Assert.Equal(404, unknownApi);
        Assert.Equal("no API 'nope' in the configuration", unknownApiBody.GetProperty("message").GetString());
        Assert.Equal(404, unknownStage);
        Assert.Equal(404, missing);
        Assert.Contains("no deployment 5", missingBody.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(400, noTo);
        Assert.Equal(409, noCanary);
        Assert.Equal(409, deleteNoCanary);
        Assert.Equal(405, wrongMethod);
        Assert.Equal("v1", await GetVersionAsync(client));
        Assert.False(File.Exists(Path.Combine(fixture.Directory, "stages.json")));
    }
}
