using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeGw.Core.Throttling;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace EdgeGw.Server.FunctionalTests.Cluster;

/// <summary>Regression tests for the lease defects of global mode (issue 23), against a real redis-server.</summary>
public sealed class LeaseTests(ITestOutputHelper output)
{
    internal const string Key = "cluster-key-0123456789abcdef";

    internal static string Config(string redis, string prefix, long quota = 1000, string period = "WEEK", int leaseIdleMs = 60_000, int instanceTtlMs = 10_000,
        string failMode = "closed", string? statePath = null, int leaseWaitMs = 5_000) => $$"""
        {
          "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 1 },
          "redis": { "configuration": "{{redis}}", "failMode": "{{failMode}}", "syncIntervalMs": 50, "keyPrefix": "{{prefix}}",
                     "leaseIdleMs": {{leaseIdleMs}}, "instanceTtlMs": {{instanceTtlMs}}, "leaseWaitMs": {{leaseWaitMs}} },
          "state": { "path": "{{statePath ?? Path.Combine(Path.GetTempPath(), $"edgegw-cluster-{Guid.NewGuid():N}.json")}}" },
          "usagePlans": [ { "name": "p", "stages": ["shop/prod"], "throttle": { "rateLimit": 10000, "burstLimit": 5000 },
                            "quota": { "limit": {{quota}}, "period": "{{period}}" } } ],
          "apiKeys": { "keys": [ { "id": "k", "value": "{{Key}}", "usagePlans": ["p"] } ] },
          "apis": [ { "name": "shop", "stages": [ { "name": "prod" } ], "routes": [
            { "key": "GET /metered", "apiKeyRequired": true, "integration": { "type": "mock", "body": "ok" } }
          ] } ]
        }
        """;

    internal static async Task<HttpStatusCode> GetAsync(HttpClient client, string key)
    {
        using var request = new HttpRequestMessage(System.Net.Http.HttpMethod.Get, "/prod/metered");
        request.Headers.Add("x-api-key", key);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    private static string Prefix() => $"c{Guid.NewGuid():N}:";

    [RedisFact]
    public async Task FreshKeys_FirstRequestIsAdmitted_LikeAnOldKey()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Config(redis.Configuration, Prefix()));
        using var client = gateway.CreateClient();
        using var admin = gateway.CreateAdminClient();

        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 3; i++)
        {
            using var created = await admin.PostAsJsonAsync("/apikeys", new { usagePlans = new[] { "p" } });
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            string plain = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("value").GetString()!;
            for (int r = 0; r < 3; r++)
            {
                statuses.Add(await GetAsync(client, plain));
            }
        }

        output.WriteLine(string.Join(", ", statuses.Select(s => (int)s)));
        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.OK, s));
    }

    /// <summary>One sample of the admin API's /metrics text (a family without labels).</summary>
    private static double Sample(string metrics, string name)
    {
        foreach (string line in metrics.Split('\n'))
        {
            if (line.StartsWith(name + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new Xunit.Sdk.XunitException($"{name} is not in /metrics");
    }

    [RedisFact]
    public async Task LeaseWaits_AreCounted_AFreshKeysFirstRequestWaitsForRedis()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Config(redis.Configuration, Prefix()));
        using var client = gateway.CreateClient();
        using var admin = gateway.CreateAdminClient();
        string before = await admin.GetStringAsync("/metrics");

        var first = await GetAsync(client, Key);
        string after = await admin.GetStringAsync("/metrics");
        output.WriteLine(string.Join("\n", after.Split('\n').Where(l => l.StartsWith("edgegw_redis_", StringComparison.Ordinal))));

        Assert.Equal(HttpStatusCode.OK, first);
        Assert.Equal(0, Sample(before, "edgegw_redis_lease_waits_total"));
        // The key's bucket and quota leases are made by its first request, which waits for their first grants (once).
        Assert.Equal(1, Sample(after, "edgegw_redis_lease_waits_total"));
        Assert.InRange(Sample(after, "edgegw_redis_lease_wait_seconds_total"), double.Epsilon, 5.0);
        Assert.True(Sample(after, "edgegw_redis_lease_calls_total") >= 2, "a bucket grant and a quota grant at least");
    }

    [RedisFact]
    public async Task FreshKey_RedisUnreachable_FirstRequestFollowsFailMode()
    {
        var redis = RedisServer.Reserve();
        await using var closed = await TestGateway.StartAsync(Config(redis.Configuration, Prefix(), failMode: "closed", leaseWaitMs: 500));
        await using var open = await TestGateway.StartAsync(Config(redis.Configuration, Prefix(), failMode: "open", leaseWaitMs: 500));
        using var closedClient = closed.CreateClient();
        using var openClient = open.CreateClient();

        var clock = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.TooManyRequests, await GetAsync(closedClient, Key));
        Assert.Equal(HttpStatusCode.OK, await GetAsync(openClient, Key));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"the first requests took {clock.Elapsed}");
    }

    [RedisFact]
    public async Task SmallWeeklyQuota_TwoInstances_BothServe_AndTheLimitHolds()
    {
        await using var redis = await RedisServer.StartAsync();
        string config = Config(redis.Configuration, Prefix(), quota: 5);
        await using var a = await TestGateway.StartAsync(config);
        await using var b = await TestGateway.StartAsync(config);
        using var clientA = a.CreateClient();
        using var clientB = b.CreateClient();

        int servedA = 0, servedB = 0;
        for (int i = 0; i < 6; i++)
        {
            if (await GetAsync(clientA, Key) == HttpStatusCode.OK)
            {
                servedA++;
            }

            if (await GetAsync(clientB, Key) == HttpStatusCode.OK)
            {
                servedB++;
            }
        }

        output.WriteLine($"limit 5 per WEEK, two instances: A served {servedA}, B served {servedB}");
        Assert.True(servedA >= 2 && servedB >= 2, $"A served {servedA}, B served {servedB}");
        Assert.Equal(5, servedA + servedB);
    }

    [RedisFact]
    public async Task TwoInstances_UnderConcurrentLoad_AdmitTheQuotaWithinOnePercent()
    {
        const int limit = 500;
        await using var redis = await RedisServer.StartAsync();
        string config = Config(redis.Configuration, Prefix(), quota: limit, leaseIdleMs: 200);
        await using var a = await TestGateway.StartAsync(config);
        await using var b = await TestGateway.StartAsync(config);
        var clients = new[] { a.CreateClient(), b.CreateClient() };
        var admittedBy = new int[2];
        var clock = Stopwatch.StartNew();
        // Each loop ends after 20 refusals in a row (its instance's lease is empty and Redis has nothing left).
        var loops = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            int refusedInARow = 0;
            while (refusedInARow < 20 && clock.Elapsed < TimeSpan.FromSeconds(12))
            {
                if (await GetAsync(clients[i % 2], Key) == HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref admittedBy[i % 2]);
                    refusedInARow = 0;
                }
                else
                {
                    refusedInARow++;
                }
            }
        })).ToArray();
        await Task.WhenAll(loops);
        int admitted = admittedBy[0] + admittedBy[1];

        output.WriteLine($"quota {limit} per WEEK, 2 instances x 4 loops, {clock.Elapsed.TotalSeconds:F2} s: A admitted {admittedBy[0]}, B {admittedBy[1]}, total {admitted}");
        Assert.True(admitted <= limit * 1.01, $"over-admitted: {admitted} > {limit} + 1 %");
        Assert.True(admitted >= limit * 0.99, $"under-admitted: {admitted} < {limit} - 1 %");
        Assert.True(admittedBy[0] > 0 && admittedBy[1] > 0, "both instances served");
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }

    [RedisFact]
    public async Task HeldQuotaUnits_GoBackAtShutdown()
    {
        await using var redis = await RedisServer.StartAsync();
        string config = Config(redis.Configuration, Prefix(), quota: 1000);
        var a = await TestGateway.StartAsync(config);
        await using var b = await TestGateway.StartAsync(config);
        using (var clientA = a.CreateClient())
        {
            Assert.Equal(HttpStatusCode.OK, await GetAsync(clientA, Key));
        }

        await a.DisposeAsync();
        using var clientB = b.CreateClient();
        int served = await ServeUntilRefusedAsync(clientB, 1100);
        output.WriteLine($"limit 1000: A served 1 and stopped, B then served {served}");
        Assert.Equal(999, served);
    }

    [RedisFact]
    public async Task HeldQuotaUnits_GoBackWhenIdle()
    {
        await using var redis = await RedisServer.StartAsync();
        string prefix = Prefix();
        string config = Config(redis.Configuration, prefix, quota: 1000, leaseIdleMs: 200);
        await using var a = await TestGateway.StartAsync(config);
        using var clientA = a.CreateClient();
        Assert.Equal(HttpStatusCode.OK, await GetAsync(clientA, Key));

        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        long used = await PollAsync(() => UsedAsync(connection, prefix), u => u == 1, TimeSpan.FromSeconds(10));
        Assert.Equal(1, used);
    }

    [RedisFact]
    public async Task StoppedInstance_LeasedUnitsReturnAfterItsTtl()
    {
        await using var redis = await RedisServer.StartAsync();
        string prefix = Prefix();
        var start = DateTimeOffset.UtcNow;
        var end = start.AddDays(1);
        var ttl = TimeSpan.FromMilliseconds(500);
        var a = RedisLimits.Connect(redis.Configuration, prefix, failOpen: false, TimeSpan.FromMilliseconds(50), TimeProvider.System, ttl);
        using var b = RedisLimits.Connect(redis.Configuration, prefix, failOpen: false, TimeSpan.FromMilliseconds(50), TimeProvider.System, ttl);
        var leaseA = a.Quota("q", 10_000, start, end);
        await TakeOneAsync(leaseA);
        await PollAsync(() => Task.FromResult(leaseA.Held), h => h > 0, TimeSpan.FromSeconds(5));
        // "Killed": the connection goes away without giving anything back.
        a.Connection.Dispose();

        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
        long usedBefore = await UsedAsync(connection, prefix);
        Assert.True(usedBefore > 1, $"A leased ahead ({usedBefore} used in Redis)");
        var leaseB = b.Quota("q", 10_000, start, end);
        long outstanding = -1;
        await PollAsync(async () =>
        {
            await TakeOneAsync(leaseB);
            // What Redis counts: B's units (spent and held) plus A's one spent unit once A's lease is reclaimed.
            outstanding = await UsedAsync(connection, prefix) - (long)(await connection.GetDatabase().HashGetAsync(LeasesKey(prefix, await FirstQuotaKeyAsync(connection, prefix)), b.InstanceId));
            return await connection.GetDatabase().HashExistsAsync(LeasesKey(prefix, await FirstQuotaKeyAsync(connection, prefix)), a.InstanceId);
        }, exists => !exists, TimeSpan.FromSeconds(10));
        output.WriteLine($"A leased {usedBefore - 1} ahead and was killed; after its TTL Redis counts {outstanding} unit(s) besides B's held ones");
        Assert.False(await connection.GetDatabase().HashExistsAsync(LeasesKey(prefix, await FirstQuotaKeyAsync(connection, prefix)), a.InstanceId));
    }

    [RedisFact]
    public async Task RedisRestart_FailsClosedWhileAway_ThenRecoversWithoutRestartingTheGateway()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Config(redis.Configuration, Prefix(), quota: 100_000, failMode: "closed", leaseWaitMs: 500));
        using var client = gateway.CreateClient();
        Assert.Equal(HttpStatusCode.OK, await GetAsync(client, Key));

        await redis.StopAsync();
        // What the leases held when Redis went away is spent, then failMode (closed) refuses.
        int servedWhileAway = 0;
        var status = HttpStatusCode.OK;
        var clock = Stopwatch.StartNew();
        while (status == HttpStatusCode.OK && clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            status = await GetAsync(client, Key);
            servedWhileAway += status == HttpStatusCode.OK ? 1 : 0;
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        // The first 429 can be the throttle bucket running dry before StackExchange.Redis reports the closed socket
        // (its ConnectionFailed event, or the failed call): once the gateway knows Redis is away, failMode answers.
        var redisLimits = gateway.Runtime.Access.Redis!;
        Assert.True(await Eventually.TrueAsync(() => !redisLimits.Available, TimeSpan.FromSeconds(5)), "the gateway did not notice within 5 s that Redis is away");
        status = await GetAsync(client, Key);
        Assert.Equal(HttpStatusCode.TooManyRequests, status);

        await redis.RunAsync();
        clock.Restart();
        while (status != HttpStatusCode.OK && clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            await Task.Delay(50);
            status = await GetAsync(client, Key);
        }

        output.WriteLine($"Redis stopped: {servedWhileAway} request(s) served from held leases, then 429; back after {clock.Elapsed.TotalSeconds:F1} s of Redis up");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(servedWhileAway <= 110, $"{servedWhileAway} served with Redis away (leases hold at most 1 % of the quota plus a bucket batch)");
    }

    private static async Task TakeOneAsync(GlobalLease lease)
    {
        var deadline = Stopwatch.StartNew();
        while (!lease.TryTakeNow(out var decision) && deadline.Elapsed < TimeSpan.FromSeconds(5))
        {
            if (decision.Pending is { } pending)
            {
                await pending.WaitAsync(TimeSpan.FromSeconds(1));
            }
            else
            {
                await Task.Delay(20);
            }
        }
    }

    private static async Task<int> ServeUntilRefusedAsync(HttpClient client, int max)
    {
        int served = 0;
        while (served < max && await GetAsync(client, Key) == HttpStatusCode.OK)
        {
            served++;
        }

        return served;
    }

    private static async Task<T> PollAsync<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        T value = await read();
        while (!done(value) && clock.Elapsed < timeout)
        {
            await Task.Delay(25);
            value = await read();
        }

        return value;
    }

    private static async Task<string> FirstQuotaKeyAsync(ConnectionMultiplexer connection, string prefix)
    {
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        await foreach (var key in server.KeysAsync(pattern: prefix + "quota*"))
        {
            if (!key.ToString().EndsWith(":leases", StringComparison.Ordinal))
            {
                return key.ToString();
            }
        }

        await foreach (var key in server.KeysAsync(pattern: prefix + "q|*"))
        {
            if (!key.ToString().EndsWith(":leases", StringComparison.Ordinal))
            {
                return key.ToString();
            }
        }

        return prefix + "none";
    }

    private static RedisKey LeasesKey(string prefix, string quotaKey) => quotaKey + ":leases";

    private static async Task<long> UsedAsync(ConnectionMultiplexer connection, string prefix) =>
        (long?)await connection.GetDatabase().StringGetAsync(await FirstQuotaKeyAsync(connection, prefix)) ?? 0;
}
