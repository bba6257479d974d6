using System.Net.Http;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using static EdgeGw.Server.FunctionalTests.Deployments.DeploymentFixture;

namespace EdgeGw.Server.FunctionalTests.Deployments;

/// <summary>Switching a stage's deployment and its canary share while requests flow: none dropped, none half one version and half the other.</summary>
public sealed class SwitchUnderLoadTests
{
    [Fact]
    public async Task RollbacksAndCanaryShares_UnderLoad_EveryRequest200_AndWhollyOneVersion()
    {
        const int minimum = 2000;
        const int maximum = 20_000; // bounded: the load stops here whatever the switcher managed
        const int minimumSwitches = 12;
        await using var fixture = Create();
        await using var gateway = await TestGateway.StartAsync(fixture.Config("v1"));
        using var admin = gateway.CreateAdminClient();
        var (first, _) = await AdminAsync(admin, HttpMethod.Post, "/deployments", new { api = "pets", stage = "prod" });
        gateway.Runtime.Swap(TestGateway.BuildModel(fixture.Config("v2")));
        var (second, _) = await AdminAsync(admin, HttpMethod.Post, "/deployments", new { api = "pets", stage = "prod" });
        Assert.Equal((201, 201), (first, second));

        int done = 0;
        int switches = 0;
        var clients = Enumerable.Range(0, 8).Select(_ => gateway.CreateClient()).ToArray();
        var load = clients.Select(async client =>
        {
            var seen = new List<string>();
            while (Volatile.Read(ref done) < maximum && !(Volatile.Read(ref done) >= minimum && Volatile.Read(ref switches) >= minimumSwitches))
            {
                seen.Add(await GetVersionAsync(client, id: (seen.Count % 7).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                Interlocked.Increment(ref done);
            }

            return seen;
        }).ToArray();

        var statuses = new List<int>();
        var loadDone = Task.WhenAll(load);
        while (!loadDone.IsCompleted)
        {
            int round = switches % 4;
            if (round == 3)
            {
                // A canary share changing with a hot reload (the file's canary object edited).
                string share = (10 + (switches * 7 % 80)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                gateway.Runtime.Swap(TestGateway.BuildModel(fixture.Config("v2", $$"""{ "deployment": {{(switches % 8 == 3 ? 1 : 2)}}, "percentTraffic": {{share}} }""")));
            }
            else
            {
                var (status, _) = await AdminAsync(admin, HttpMethod.Post, $"/stages/pets/prod/rollback?to={(round % 2) + 1}");
                statuses.Add(status);
            }

            Interlocked.Increment(ref switches);
        }

        var versions = (await loadDone).SelectMany(v => v).ToList();
        foreach (var client in clients)
        {
            client.Dispose();
        }

        Assert.True(versions.Count >= minimum, $"{versions.Count} requests");
        Assert.All(versions, v => Assert.True(v is "v1" or "v2", v));
        Assert.Contains("v1", versions);
        Assert.Contains("v2", versions);
        Assert.True(switches >= minimumSwitches, $"{switches} switches");
        Assert.All(statuses, s => Assert.Equal(200, s));
    }
}
