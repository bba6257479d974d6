using System.Text;
using EdgeGw.Core.Cluster;
using EdgeGw.Core.Throttling;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeGw.Server.FunctionalTests.Cluster;

/// <summary>
/// Request and reply between instances (<see cref="ClusterRequests"/>) against a real redis-server: every request
/// runs exactly once on the instance it names, however Redis came and went. A second handler on the request
/// channel delivered one @connections POST twice (a WebSocket client received "cli via B" where "cli via A" was
/// due, in a clean-clone CI run).
/// </summary>
public sealed class ClusterRequestsTests(ITestOutputHelper output)
{
    private static RedisLimits Connect(RedisServer redis, string prefix) =>
        RedisLimits.Connect(redis.Configuration, prefix, failOpen: false, TimeSpan.FromMilliseconds(50), TimeProvider.System);

    /// <summary>Sends <paramref name="count"/> requests one after another; returns the answers in order.</summary>
    private static async Task<List<string>> RoundTripsAsync(ClusterRequests from, string tag, int count)
    {
        var answers = new List<string>();
        for (int i = 0; i < count; i++)
        {
            var reply = await from.SendAsync(tag, Encoding.ASCII.GetBytes("r" + i), TimeSpan.FromSeconds(5));
            Assert.Equal(ClusterReplyStatus.Answered, reply.Status);
            answers.Add(Encoding.ASCII.GetString(reply.Payload!));
        }

        return answers;
    }

    [RedisFact]
    public async Task RedisAwayAtStartup_ThenBack_EachRequestRunsOnce()
    {
        await using var redis = RedisServer.Reserve();
        string prefix = $"r{Guid.NewGuid():N}:";
        using var owner = Connect(redis, prefix);
        long failuresAtStart = owner.Failures;
        int runs = 0;
        using var holder = new ClusterRequests(owner, "a", payload =>
        {
            Interlocked.Increment(ref runs);
            return [.. "ok:"u8, .. payload];
        });
        Assert.False(holder.Subscribed);

        // The first SUBSCRIBE waits in the client's backlog until its timeout (1 s) and fails: that is what left a
        // handler registered without Redis knowing, and a retry on ConnectionRestored added a second one.
        Assert.True(await Eventually.TrueAsync(() => owner.Failures > failuresAtStart), "the first subscription never failed");
        await redis.RunAsync(); // the client reconnects by itself and raises ConnectionRestored
        using var caller = Connect(redis, prefix);
        using var callerRequests = new ClusterRequests(caller, "b", payload => payload);
        Assert.True(await Eventually.TrueAsync(() => holder.Subscribed && callerRequests.Subscribed, TimeSpan.FromSeconds(20)), "never subscribed after Redis came up");

        // A second handler ran each request again: 12 runs for these 6 before the fix.
        var answers = await RoundTripsAsync(callerRequests, "a", 6);
        output.WriteLine($"{Volatile.Read(ref runs)} runs for 6 requests: {string.Join(", ", answers)}");
        Assert.Equal(["ok:r0", "ok:r1", "ok:r2", "ok:r3", "ok:r4", "ok:r5"], answers);
        Assert.Equal(6, Volatile.Read(ref runs));
    }

    [RedisFact]
    public async Task RedisRestarted_EachRequestRunsOnce()
    {
        await using var redis = await RedisServer.StartAsync();
        string prefix = $"r{Guid.NewGuid():N}:";
        using var owner = Connect(redis, prefix);
        using var caller = Connect(redis, prefix);
        int runs = 0;
        using var holder = new ClusterRequests(owner, "a", payload =>
        {
            Interlocked.Increment(ref runs);
            return payload;
        });
        using var callerRequests = new ClusterRequests(caller, "b", payload => payload);
        Assert.True(await Eventually.TrueAsync(() => holder.Subscribed && callerRequests.Subscribed), "never subscribed");
        Assert.Equal(3, (await RoundTripsAsync(callerRequests, "a", 3)).Count);

        await redis.StopAsync();
        Assert.True(await Eventually.TrueAsync(() => !owner.IsConnected && !caller.IsConnected), "the clients never saw Redis go");
        await redis.RunAsync();
        // Answered again once both clients have reconnected and renewed their subscriptions by themselves.
        Assert.True(await Eventually.TrueAsync(async () =>
            (await callerRequests.SendAsync("a", "probe"u8.ToArray(), TimeSpan.FromSeconds(1))).Status == ClusterReplyStatus.Answered,
            TimeSpan.FromSeconds(20)), "no answer after the restart");
        int before = Volatile.Read(ref runs);

        await RoundTripsAsync(callerRequests, "a", 6);
        output.WriteLine($"{Volatile.Read(ref runs) - before} runs for 6 requests after the restart");
        Assert.Equal(before + 6, Volatile.Read(ref runs));
    }
}
