using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Text.Json;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeGw.Host.Tests;

/// <summary>
/// Two real <c>edgegw</c> processes sharing one real Redis; one is killed with SIGKILL after serving under load
/// (no shutdown hook runs: its leased quota units are not given back). The other keeps serving, and once the
/// killed one's membership lapses (<c>instanceTtlMs</c>) the units it held return to the pool: nothing is lost for
/// longer than the TTL, and the over-admission is bounded by what the killed one spent of its last lease.
/// </summary>
public sealed class ClusterKillTests(ITestOutputHelper output)
{
    private const string Key = "kill-key-0123456789abcdef";
    private const long Limit = 1000;

    [RedisFact]
    public async Task KilledInstance_ItsLeasedUnitsReturnAfterItsTtl_AndTheOtherKeepsServing()
    {
        await using var redis = await RedisServer.StartAsync();
        using var config = TempFile.Json($$"""
            {
              "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 1 },
              "redis": { "configuration": "{{redis.Configuration}}", "failMode": "closed", "syncIntervalMs": 50,
                         "keyPrefix": "kill{{Guid.NewGuid():N}}:", "instanceTtlMs": 1000, "leaseIdleMs": 60000, "leaseWaitMs": 5000 },
              "usagePlans": [ { "name": "p", "stages": ["shop/prod"],
                                "quota": { "limit": {{Limit}}, "period": "WEEK" } } ],
              "apiKeys": { "keys": [ { "id": "k", "value": "{{Key}}", "usagePlans": ["p"] } ] },
              "apis": [ { "name": "shop", "stages": [ { "name": "prod" } ], "routes": [
                { "key": "GET /metered", "apiKeyRequired": true, "integration": { "type": "mock", "body": "ok" } } ] } ]
            }
            """);
        await using var a = GatewayProcess.Start(["--config", config.Path]);
        await using var b = GatewayProcess.Start(["--config", config.Path]);
        using var clientA = Client(await a.WaitForListeningAsync());
        using var clientB = Client(await b.WaitForListeningAsync());
        using var adminA = Client(await a.WaitForAdminAsync());
        using var adminB = Client(await b.WaitForAdminAsync());
        // As a load balancer would: traffic once /ready says so (with redis: connected; before it, closed answers 429).
        Assert.True(await ReadyAsync(adminA) && await ReadyAsync(adminB), "an instance did not become ready within 15 s");
        Assert.Equal(2, await InstancesAsync(adminB, 2));

        // Both under load (4 loops each) until A admitted 300; then A is killed while B's loops go on.
        var loadA = new Load(clientA);
        var loadB = new Load(clientB);
        var loopsA = loadA.Run(until: () => loadA.Served >= 300);
        // B stops at a quota refusal seen more than a second after A lapsed (B's next lease calls take A's units back first).
        var loopsB = loadB.Run(until: () => Volatile.Read(ref _lapsedAt) is > 0 and var at && loadB.LastOutOfQuota > at + Stopwatch.Frequency);
        await Task.WhenAll(loopsA);
        long servedA = loadA.Served;
        a.SendSigkill();
        var clock = Stopwatch.StartNew();

        // B serves on; A leaves the membership list after its TTL (the signal that its leases are released): from
        // then on, B's first "Limit Exceeded" means the quota is spent.
        Assert.Equal(1, await InstancesAsync(adminB, 1));
        double lapsedAfter = clock.Elapsed.TotalSeconds;
        long servedByThen = loadB.Served;
        Volatile.Write(ref _lapsedAt, Stopwatch.GetTimestamp());
        Assert.True(await Task.WhenAll(loopsB).WaitAsync(TimeSpan.FromSeconds(60)).ContinueWith(t => t.IsCompletedSuccessfully), "B did not reach the quota's end within 60 s");
        long total = servedA + loadB.Served;
        output.WriteLine($"A served {servedA} and was killed (SIGKILL); it left the list after {lapsedAfter:F1} s, by when B had served {servedByThen}; " +
            $"B served {loadB.Served} in all until the quota ran out ({clock.Elapsed.TotalSeconds:F1} s after the kill), {loadB.Other} other answers (first: {loadB.FirstOther}): {total} of {Limit} admitted");

        Assert.Equal(0, loadB.Other);
        Assert.True(total >= Limit, $"{Limit - total} unit(s) lost: what A held did not return after its TTL");
        Assert.True(total <= Limit + Limit / 100, $"{total - Limit} over the limit: more than A's last lease (1 % of the limit)");
    }

    private long _lapsedAt;

    /// <summary>Four request loops on one client: admitted requests counted, a quota refusal noted, anything else counted apart.</summary>
    private sealed class Load(HttpClient client)
    {
        private long _served;
        private long _other;
        private long _lastOutOfQuota;

        public long Served => Interlocked.Read(ref _served);
        public long Other => Interlocked.Read(ref _other);
        /// <summary>The first answer that was neither 200 nor "Limit Exceeded" (status and body).</summary>
        public string? FirstOther => Volatile.Read(ref _firstOther);
        private string? _firstOther;
        /// <summary>When the last "Limit Exceeded" came (a Stopwatch timestamp; 0: none yet).</summary>
        public long LastOutOfQuota => Interlocked.Read(ref _lastOutOfQuota);

        public Task[] Run(Func<bool> until)
        {
            var loops = new Task[4];
            for (int i = 0; i < loops.Length; i++)
            {
                loops[i] = Task.Run(async () =>
                {
                    for (int n = 0; n < 100_000 && !until(); n++)
                    {
                        using var request = new HttpRequestMessage(System.Net.Http.HttpMethod.Get, "/prod/metered");
                        request.Headers.Add("x-api-key", Key);
                        using var response = await client.SendAsync(request);
                        string body = await response.Content.ReadAsStringAsync();
                        if (response.StatusCode == HttpStatusCode.OK)
                        {
                            Interlocked.Increment(ref _served);
                        }
                        else if (response.StatusCode == HttpStatusCode.TooManyRequests && body.Contains("Limit Exceeded", StringComparison.Ordinal))
                        {
                            Interlocked.Exchange(ref _lastOutOfQuota, Stopwatch.GetTimestamp());
                        }
                        else
                        {
                            Interlocked.Increment(ref _other);
                            Interlocked.CompareExchange(ref _firstOther, $"{(int)response.StatusCode} {body}, after {Served} served", null);
                        }
                    }
                });
            }

            return loops;
        }
    }

    private static HttpClient Client(int port) => new() { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };

    private static async Task<bool> ReadyAsync(HttpClient admin)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var response = await admin.GetAsync("/ready");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return true;
            }

            if (clock.Elapsed > TimeSpan.FromSeconds(15))
            {
                return false;
            }

            await Task.Delay(25);
        }
    }

    /// <summary>The number of live instances B lists once it reaches <paramref name="expected"/> (or after 15 s).</summary>
    private static async Task<int> InstancesAsync(HttpClient admin, int expected)
    {
        var clock = Stopwatch.StartNew();
        int count;
        while ((count = JsonDocument.Parse(await admin.GetStringAsync("/cluster")).RootElement.GetProperty("instances").GetArrayLength()) != expected
            && clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(25);
        }

        return count;
    }
}
