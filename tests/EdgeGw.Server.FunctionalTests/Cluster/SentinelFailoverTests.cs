using System.Diagnostics;
using System.Net;
using System.Net.Http;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeGw.Server.FunctionalTests.Cluster;

/// <summary>
/// Global mode through Redis Sentinel: one primary, one replica and three sentinels (real Redis programs), the
/// gateway given the sentinels and the service name as StackExchange.Redis takes them; the primary is killed under
/// load and the gateway follows the promotion without a restart.
/// </summary>
public sealed class SentinelFailoverTests(ITestOutputHelper output)
{
    private const string Service = "edgegw";
    private const double Rate = 200;
    private const int Burst = 20;

    private static string Config(string redis, string failMode) => $$"""
        {
          "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 1 },
          "redis": { "configuration": "{{redis}}", "failMode": "{{failMode}}", "syncIntervalMs": 50, "keyPrefix": "s{{Guid.NewGuid():N}}:", "leaseWaitMs": 2000 },
          "state": { "path": "{{Path.Combine(Path.GetTempPath(), $"edgegw-sentinel-{Guid.NewGuid():N}.json")}}" },
          "apis": [ { "name": "shop", "stages": [ { "name": "prod" } ], "routes": [
            { "key": "GET /limited", "throttle": { "rateLimit": {{Rate}}, "burstLimit": {{Burst}} }, "integration": { "type": "mock", "body": "ok" } }
          ] } ]
        }
        """;

    [RedisTheory]
    [InlineData("closed")]
    [InlineData("open")]
    public async Task PrimaryKilledUnderLoad_ThrottlesFollowFailMode_ThenTheReplicaServesWithoutARestart(string failMode)
    {
        await using var primary = await RedisServer.StartAsync();
        await using var replica = await RedisServer.StartReplicaAsync(primary);
        var sentinels = new RedisSentinel[3];
        for (int i = 0; i < sentinels.Length; i++)
        {
            sentinels[i] = await RedisSentinel.StartAsync(primary, Service);
        }

        try
        {
            // A failover needs the replica found (the primary's INFO) and the sentinels known to each other (hello
            // messages every 2 s): wait for both before the kill.
            Assert.True(await EventuallyAsync(async () =>
            {
                foreach (var sentinel in sentinels)
                {
                    if (!await sentinel.KnowsAsync(Service, replicas: 1, otherSentinels: 2))
                    {
                        return false;
                    }
                }

                return true;
            }, TimeSpan.FromSeconds(30)), "the sentinels did not find the replica and each other within 30 s");

            string configuration = string.Join(',', sentinels.Select(s => $"127.0.0.1:{s.Port}")) + $",serviceName={Service}";
            await using var gateway = await TestGateway.StartAsync(Config(configuration, failMode));
            using var client = gateway.CreateClient();
            Assert.True(await EventuallyAsync(async () => await StatusAsync(client) == HttpStatusCode.OK, TimeSpan.FromSeconds(10)), "no request admitted through the sentinel-resolved primary");

            var clock = Stopwatch.StartNew();
            var phase = new PhaseCounts();
            long killedAtMs = -1;
            long recoveredAtMs = -1;
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var loops = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    var status = await StatusAsync(client);
                    bool away = Volatile.Read(ref killedAtMs) >= 0 && Volatile.Read(ref recoveredAtMs) < 0;
                    phase.Count(away ? 1 : Volatile.Read(ref recoveredAtMs) >= 0 ? 2 : 0, status);
                }
            })).ToArray();

            // Load before the kill: until the route's bucket has admitted 100 requests (half a second at its rate).
            Assert.True(await EventuallyAsync(() => Task.FromResult(phase.Admitted(0) >= 100), TimeSpan.FromSeconds(30)), "no load admitted before the kill");
            Volatile.Write(ref killedAtMs, clock.ElapsedMilliseconds);
            await primary.StopAsync();
            Assert.True(await EventuallyAsync(async () => await sentinels[0].PrimaryPortAsync(Service) == replica.Port, TimeSpan.FromSeconds(30)),
                "the sentinels did not promote the replica within 30 s");
            long promotedAtMs = clock.ElapsedMilliseconds;

            // Back when a request is admitted again through the new primary (closed) or Redis is marked available (open).
            var redis = gateway.Runtime.Access.Redis!;
            Assert.True(await EventuallyAsync(() => Task.FromResult(redis.Available), TimeSpan.FromSeconds(30)),
                "the gateway did not reach the promoted replica within 30 s");
            Volatile.Write(ref recoveredAtMs, clock.ElapsedMilliseconds);
            // Load after recovery: until 50 more are admitted through the promoted replica.
            Assert.True(await EventuallyAsync(() => Task.FromResult(phase.Admitted(2) >= 50), TimeSpan.FromSeconds(30)), "nothing admitted after the failover");
            stop.Cancel();
            await Task.WhenAll(loops);

            double seconds = clock.Elapsed.TotalSeconds;
            long admitted = phase.Admitted(0) + phase.Admitted(1) + phase.Admitted(2);
            double bound = Rate * seconds + Burst;
            output.WriteLine($"failMode {failMode}: killed at {killedAtMs} ms, promoted at {promotedAtMs} ms, gateway back at {recoveredAtMs} ms; " +
                $"before: {phase.Admitted(0)} admitted / {phase.Refused(0)} refused; away: {phase.Admitted(1)} / {phase.Refused(1)}; " +
                $"after: {phase.Admitted(2)} / {phase.Refused(2)}; {admitted} admitted in {seconds:F1} s against a bound of {bound:F0} ({admitted / bound:P1})");

            Assert.True(phase.Admitted(2) > 0, "nothing admitted after the failover");
            Assert.Equal(0, phase.Other);
            if (failMode == "closed")
            {
                // While away only what the leases held is admitted, then 429; the total stays near the bound.
                Assert.True(phase.Refused(1) > 0, "closed: nothing refused while Redis was away");
                Assert.True(admitted <= bound * 1.05 + Rate * 0.1, $"{admitted} admitted over a bound of {bound:F0}");
            }
            else
            {
                Assert.True(phase.Admitted(1) > 0, "open: nothing admitted while Redis was away");
            }
        }
        finally
        {
            foreach (var sentinel in sentinels)
            {
                if (sentinel is not null)
                {
                    await sentinel.DisposeAsync();
                }
            }
        }
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/prod/limited");
        return response.StatusCode;
    }

    private static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > limit)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }

    /// <summary>Admitted and refused requests in each phase (0 before the kill, 1 while away, 2 after), from several loops.</summary>
    private sealed class PhaseCounts
    {
        private readonly long[] _admitted = new long[3];
        private readonly long[] _refused = new long[3];
        private long _other;

        public long Other => Interlocked.Read(ref _other);

        public long Admitted(int phase) => Interlocked.Read(ref _admitted[phase]);

        public long Refused(int phase) => Interlocked.Read(ref _refused[phase]);

        public void Count(int phase, HttpStatusCode status)
        {
            if (status == HttpStatusCode.OK)
            {
                Interlocked.Increment(ref _admitted[phase]);
            }
            else if (status == HttpStatusCode.TooManyRequests)
            {
                Interlocked.Increment(ref _refused[phase]);
            }
            else
            {
                Interlocked.Increment(ref _other);
            }
        }
    }
}
