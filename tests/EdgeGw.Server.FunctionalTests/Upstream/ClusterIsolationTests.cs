using System.Net;
using System.Net.Http;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Upstream;

/// <summary>
/// Two clusters that list the same <c>host:port</c> each keep their own destination state: health, connection
/// limit, timeouts and pool. (They used to share one state per authority, with the last cluster's settings.)
/// </summary>
public sealed class ClusterIsolationTests
{
    /// <summary>An API with one route per cluster, <c>ANY /{cluster}/{proxy+}</c>, on stage <c>prod</c>.</summary>
    private static string Config(params (string Name, string Body)[] clusters)
    {
        var clusterJson = string.Join(",\n", clusters.Select(c => $$"""{ "name": "{{c.Name}}", {{c.Body}} }"""));
        var routes = string.Join(",\n", clusters.Select(c =>
            $$"""{ "key": "ANY /{{c.Name}}/{proxy+}", "integration": { "type": "http", "cluster": "{{c.Name}}" } }"""));
        return $$"""
            {
              "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 1 },
              "clusters": [ {{clusterJson}} ],
              "apis": [ { "name": "t", "stages": [ { "name": "prod" } ], "routes": [ {{routes}} ] } ]
            }
            """;
    }

    [Fact]
    public async Task ActiveHealthCheck_OfOneCluster_DoesNotEjectTheDestinationFromAnother()
    {
        await using var shared = UpstreamServer.StartPerRequest((context, request) => request.Path == "/health"
            ? context.RespondAsync(500, "sick")
            : context.RespondAsync(200, "shared"));
        await using var other = UpstreamServer.StartPerRequest((context, request) => context.RespondAsync(200, "other"));
        await using var gateway = await TestGateway.StartAsync(Config(
            ("probed", $$"""
                "destinations": ["{{shared.Authority}}"],
                "health": { "active": { "path": "/health", "intervalSeconds": 1, "timeoutMs": 1000, "healthyThreshold": 1, "unhealthyThreshold": 1 } }
                """),
            ("plain", $"\"destinations\": [\"{shared.Authority}\", \"{other.Authority}\"]")));
        using var client = gateway.CreateClient();
        // The first cluster listing the authority: "probed".
        var probed = gateway.Runtime.Upstreams.Find(shared.Authority)!;

        Assert.True(await Eventually.TrueAsync(() => probed.ActivelyDown, TimeSpan.FromSeconds(15)), "the failing probe marked it down in 'probed'");
        var bodies = new List<string>();
        for (int i = 0; i < 6; i++)
        {
            bodies.Add(await client.GetStringAsync("/prod/plain/x"));
        }

        // "plain" has no health checks: round robin keeps sending half of its requests to the shared destination.
        Assert.Equal(3, bodies.Count(body => body == "shared"));
        Assert.Equal(3, bodies.Count(body => body == "other"));
        Assert.True(probed.ActivelyDown);
    }

    [Fact]
    public async Task ConnectionLimit_IsPerCluster_ForASharedDestination()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = UpstreamServer.StartPerRequest(async (context, request) =>
        {
            await release.Task.WaitAsync(context.Stopping);
            await context.RespondAsync(200, "done");
        });
        // "big" comes last: its limit is the one a shared state would have applied to "tiny" as well.
        await using var gateway = await TestGateway.StartAsync(Config(
            ("tiny", $"\"destinations\": [\"{upstream.Authority}\"], \"maxConnectionsPerDestination\": 2"),
            ("big", $"\"destinations\": [\"{upstream.Authority}\"], \"maxConnectionsPerDestination\": 1024")));
        using var client = gateway.CreateClient();

        var requests = new List<Task<HttpResponseMessage>>();
        for (int i = 0; i < 10; i++)
        {
            requests.Add(client.GetAsync($"/prod/tiny/{i}"));
        }

        // Either eight are refused at once (the limit holds) or a third request reaches the upstream (it does not).
        var eightAnswered = CompletionOfAsync(requests, 8);
        var thirdUpstreamRequest = upstream.WaitForRequestsAsync(3, TimeSpan.FromSeconds(15));
        await Task.WhenAny(eightAnswered, thirdUpstreamRequest);
        bool refusedWhileHeld = eightAnswered.IsCompleted;
        int seenWhileHeld = upstream.RequestsSeen;
        release.SetResult();
        var responses = await Task.WhenAll(requests).WaitAsync(TimeSpan.FromSeconds(15));

        Assert.True(refusedWhileHeld, $"'tiny' allows 2 connections, but the upstream saw {seenWhileHeld} requests at once");
        Assert.Equal(8, responses.Count(r => r.StatusCode == HttpStatusCode.ServiceUnavailable));
        Assert.Equal(2, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(2, upstream.RequestsSeen);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task ResponseTimeout_IsPerCluster_ForASharedDestination()
    {
        // The body's second half comes 1.5 s after the head: past hasty's 300 ms, well within patient's 10 s.
        await using var upstream = UpstreamServer.StartPerRequest(async (context, request) =>
        {
            await context.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nfirst");
            await Task.Delay(TimeSpan.FromMilliseconds(1500), context.Stopping);
            await context.WriteAsync("-last");
        });
        await using var gateway = await TestGateway.StartAsync(Config(
            ("patient", $"\"destinations\": [\"{upstream.Authority}\"], \"responseTimeoutMs\": 10000"),
            ("hasty", $"\"destinations\": [\"{upstream.Authority}\"], \"responseTimeoutMs\": 300")));
        using var patientClient = gateway.CreateClient();
        using var hastyClient = gateway.CreateClient();

        var patient = patientClient.GetStringAsync("/prod/patient/x");
        var hasty = hastyClient.GetStringAsync("/prod/hasty/x");

        Assert.Equal("first-last", await patient);
        // hasty keeps its own timeout: the body stalls past it and the gateway cuts the response.
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => hasty);
    }

    [Fact]
    public async Task Reload_KeepsTheStateOfAnUnchangedCluster_WhileAnotherClusterOfTheSameDestinationChanges()
    {
        await using var upstream = Upstreams.Counting();
        string ConfigWith(int otherTimeoutMs) => Config(
            ("kept", $"\"destinations\": [\"{upstream.Authority}\"]"),
            ("changed", $"\"destinations\": [\"{upstream.Authority}\"], \"responseTimeoutMs\": {otherTimeoutMs}"));
        await using var gateway = await TestGateway.StartAsync(ConfigWith(5000));
        using var client = gateway.CreateClient();

        Assert.Equal("ok", await client.GetStringAsync("/prod/kept/1"));
        var kept = gateway.Runtime.Upstreams.Find(upstream.Authority)!;
        Assert.True(await Eventually.TrueAsync(() => kept.IdleConnections == 1), "the connection went back to the pool");
        Assert.Equal("ok", await client.GetStringAsync("/prod/changed/1"));
        int accepted = upstream.AcceptedConnections;

        gateway.Runtime.Swap(TestGateway.BuildModel(ConfigWith(6000)));
        Assert.Equal("ok", await client.GetStringAsync("/prod/kept/2"));

        // Each cluster has its own pool; the unchanged one kept its state and its pooled connection.
        Assert.Equal(2, accepted);
        Assert.Same(kept, gateway.Runtime.Upstreams.Find(upstream.Authority));
        Assert.Equal(2, upstream.AcceptedConnections);
        Assert.Equal(1, kept.OpenedConnections);
    }

    /// <summary>Completes when <paramref name="count"/> of <paramref name="tasks"/> have completed.</summary>
    private static async Task CompletionOfAsync<T>(IReadOnlyList<Task<T>> tasks, int count)
    {
        var pending = new List<Task<T>>(tasks);
        for (int done = 0; done < count; done++)
        {
            pending.Remove(await Task.WhenAny(pending));
        }
    }
}
