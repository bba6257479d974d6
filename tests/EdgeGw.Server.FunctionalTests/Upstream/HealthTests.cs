using System.Net;
using System.Net.Http;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGw.Server.FunctionalTests.Upstream;

/// <summary>Passive and active health, and the circuit breaker, against real upstream servers.</summary>
public sealed class HealthTests
{
    private static string Config(string destinations, string health, string clusterKeys = "") => $$"""
        {
          "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 1 },
          "clusters": [ { "name": "up", "destinations": [ {{destinations}} ], "connectTimeoutMs": 1000, "health": {{health}} {{clusterKeys}} } ],
          "apis": [ { "name": "t", "stages": [ { "name": "prod" } ], "routes": [
            { "key": "ANY /{proxy+}", "integration": { "type": "http", "cluster": "up" } } ] } ]
        }
        """;

    /// <summary>Answers <c>/health</c> with <paramref name="healthStatus"/>() and anything else 200 with its name.</summary>
    private static UpstreamServer Named(string name, Func<int>? healthStatus = null) =>
        UpstreamServer.StartPerRequest((context, request) => request.Path == "/health"
            ? context.RespondAsync(healthStatus?.Invoke() ?? 200, "health")
            : context.RespondAsync(200, name));

    [Fact]
    public async Task PassiveHealth_EjectsADeadDestination_AfterConsecutiveFailures()
    {
        int dead = Upstreams.RefusedPort();
        await using var alive = Named("alive");
        await using var gateway = await TestGateway.StartAsync(Config($"\"127.0.0.1:{dead}\", \"{alive.Authority}\"", """{ "consecutiveFailures": 2, "reactivationSeconds": 600 }""",
            // Without retries each refused connect is the client's 502, which is what this test counts.
            """, "retries": 0"""));
        using var client = gateway.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 20; i++)
        {
            using var response = await client.GetAsync("/prod/x");
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(2, statuses.Count(s => s == HttpStatusCode.BadGateway));
        Assert.All(statuses.Skip(4), s => Assert.Equal(HttpStatusCode.OK, s));
        Assert.Equal(1, gateway.Runtime.Upstreams.Find($"127.0.0.1:{dead}")!.Ejections);
    }

    [Fact]
    public async Task ActiveHealth_TakesADestinationOut_AndBringsItBack()
    {
        int status = 500;
        await using var flaky = Named("flaky", () => Volatile.Read(ref status));
        await using var steady = Named("steady");
        await using var gateway = await TestGateway.StartAsync(Config($"\"{flaky.Authority}\", \"{steady.Authority}\"",
            """{ "active": { "path": "/health", "intervalSeconds": 1, "timeoutMs": 1000, "healthyThreshold": 1, "unhealthyThreshold": 1 } }"""));
        using var client = gateway.CreateClient();
        var flakyState = gateway.Runtime.Upstreams.Find(flaky.Authority)!;

        Assert.True(await Eventually.TrueAsync(() => flakyState.ActivelyDown, TimeSpan.FromSeconds(15)), "the failing probe marked it down");
        var whileDown = new List<string>();
        for (int i = 0; i < 6; i++)
        {
            whileDown.Add(await client.GetStringAsync("/prod/x"));
        }

        Volatile.Write(ref status, 200);
        Assert.True(await Eventually.TrueAsync(() => !flakyState.ActivelyDown, TimeSpan.FromSeconds(15)), "a good probe brought it back");
        var afterRecovery = new List<string>();
        for (int i = 0; i < 6; i++)
        {
            afterRecovery.Add(await client.GetStringAsync("/prod/x"));
        }

        Assert.All(whileDown, body => Assert.Equal("steady", body));
        Assert.Contains("flaky", afterRecovery);
    }

    [Fact]
    public async Task CircuitBreaker_ShedsLoad_ThenProbesAndCloses()
    {
        var time = new FakeTimeProvider();
        int upstreamStatus = 503;
        await using var upstream = UpstreamServer.StartPerRequest((context, request) => context.RespondAsync(Volatile.Read(ref upstreamStatus), "answer"));
        await using var gateway = await TestGateway.StartAsync(
            Config($"\"{upstream.Authority}\"", "{}", """, "circuitBreaker": { "failureRatio": 0.5, "minimumRequests": 4, "windowSeconds": 60, "openSeconds": 10 }"""), time);
        using var client = gateway.CreateClient();

        for (int i = 0; i < 4; i++)
        {
            using var failing = await client.GetAsync("/prod/x");
            Assert.Equal("answer", await failing.Content.ReadAsStringAsync());
        }

        for (int i = 0; i < 5; i++)
        {
            using var shed = await client.GetAsync("/prod/x");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, shed.StatusCode);
            Assert.Equal("""{"message":"Service Unavailable"}""", await shed.Content.ReadAsStringAsync());
        }

        Assert.Equal(4, upstream.RequestsSeen);

        time.Advance(TimeSpan.FromSeconds(11));
        Volatile.Write(ref upstreamStatus, 200);
        using var probe = await client.GetAsync("/prod/x");
        using var after = await client.GetAsync("/prod/x");

        Assert.Equal(HttpStatusCode.OK, probe.StatusCode);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(6, upstream.RequestsSeen);
    }
}
