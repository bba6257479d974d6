using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using Xunit.Abstractions;
using static EdgeGw.Server.FunctionalTests.WebSockets.WebSocketApiTests;

namespace EdgeGw.Server.FunctionalTests.Cluster;

/// <summary>
/// @connections across instances (issue 23): two gateways and one real redis-server; a client connected to A is
/// pushed to, described and closed through B's admin API, by .NET's HttpClient and by the real AWS clients.
/// </summary>
public sealed class ClusterConnectionsTests(ITestOutputHelper output)
{
    private const string UserAgent = "edgegw-cluster-test/1.0";

    private static string Config(string backend, string redis, string prefix)
    {
        string config = GatewayConfigs.WebSocketApi(backend, webSocket: "\"maxFrameBytes\": 1024, \"maxMessageBytes\": 2048");
        int clusters = config.IndexOf("\"clusters\":", StringComparison.Ordinal);
        return config.Insert(clusters, $$"""
            "redis": { "configuration": "{{redis}}", "keyPrefix": "{{prefix}}", "instanceTtlMs": 900 },
            """);
    }

    private sealed class Pair : IAsyncDisposable
    {
        public required RedisServer Redis { get; init; }
        public required WebSocketBackend Backend { get; init; }
        public required TestGateway A { get; init; }
        public required TestGateway B { get; init; }
        public required string Prefix { get; init; }

        private bool _aStopped;

        /// <summary>Stops A gracefully (it leaves the membership list and unsubscribes).</summary>
        public async Task StopAAsync()
        {
            _aStopped = true;
            await A.DisposeAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await B.DisposeAsync();
            if (!_aStopped)
            {
                await A.DisposeAsync();
            }

            await Backend.DisposeAsync();
            await Redis.DisposeAsync();
        }
    }

    /// <summary>Redis, a backend, and gateways A and B whose relays are subscribed; the backend pushes through B.</summary>
    private static async Task<Pair> StartAsync()
    {
        var redis = await RedisServer.StartAsync();
        var backend = await WebSocketBackend.StartAsync();
        string prefix = $"w{Guid.NewGuid():N}:";
        string config = Config(backend.Authority, redis.Configuration, prefix);
        var a = await TestGateway.StartAsync(config);
        var b = await TestGateway.StartAsync(config);
        backend.AdminPort = b.AdminPort;
        Assert.True(await Eventually.TrueAsync(() => a.Runtime.ConnectionRelay!.Subscribed && b.Runtime.ConnectionRelay!.Subscribed), "the relays never subscribed");
        return new Pair { Redis = redis, Backend = backend, A = a, B = b, Prefix = prefix };
    }

    private static Task<ClientWebSocket> ConnectToAsync(TestGateway gateway) =>
        ConnectAsync(gateway, options: o => o.SetRequestHeader("User-Agent", UserAgent));

    private static async Task CompleteCloseAsync(ClientWebSocket client)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var closing = await client.ReceiveAsync(new byte[64], timeout.Token);
        Assert.Equal(WebSocketMessageType.Close, closing.MessageType);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);
        await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "ok", timeout.Token);
    }

    private static string? ErrorType(HttpResponseMessage response) =>
        response.Headers.TryGetValues("x-amzn-ErrorType", out var values) ? values.Single() : null;

    [RedisFact]
    public async Task AConnectionOnA_IsPushedDescribedAndClosedThroughB_ThenGone()
    {
        await using var pair = await StartAsync();
        using var adminB = pair.B.CreateAdminClient();
        using var client = await ConnectToAsync(pair.A);
        string id = (await pair.Backend.WaitForAsync(e => e.EventType == "CONNECT")).ConnectionId;
        output.WriteLine($"connection {id}; A {pair.A.Runtime.Cluster!.Id}, B {pair.B.Runtime.Cluster!.Id}");
        Assert.Matches("^[A-Za-z0-9_-]{15}=$", id);
        Assert.False(pair.B.Runtime.WebSockets.TryGet(id, out _));

        using (var push = await adminB.PostAsync($"/@connections/{id}", new StringContent("via B")))
        {
            Assert.Equal(HttpStatusCode.OK, push.StatusCode);
        }

        Assert.Equal((WebSocketMessageType.Text, "via B"), await ReceiveAsync(client));
        // Percent-encoded, under a stage prefix, binary.
        using (var push = await adminB.PostAsync($"/prod/@connections/{Uri.EscapeDataString(id)}", new ByteArrayContent([0xFF, 0x00, 0xFE])))
        {
            Assert.Equal(HttpStatusCode.OK, push.StatusCode);
        }

        var binary = await ReceiveAsync(client);
        Assert.Equal(WebSocketMessageType.Binary, binary.Type);

        // The price of the relay: pushes through A (local) and through B (over Redis), each answered and received in order.
        using (var adminA = pair.A.CreateAdminClient())
        {
            var local = await TimePushesAsync(adminA, client, id, "local");
            var relayed = await TimePushesAsync(adminB, client, id, "relayed");
            output.WriteLine($"POST /@connections answered, 200 pushes each: local p50 {local.P50:F2} ms p99 {local.P99:F2} ms; relayed p50 {relayed.P50:F2} ms p99 {relayed.P99:F2} ms");
        }

        // A backend answering a message sent to A pushes through B.
        await SendTextAsync(client, """{"action":"push","v":1}""");
        Assert.Equal("""pushed:{"action":"push","v":1}""", (await ReceiveAsync(client)).Text);

        using (var tooBig = await adminB.PostAsync($"/@connections/{id}", new ByteArrayContent(new byte[2049])))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);
            Assert.Equal("PayloadTooLargeException", ErrorType(tooBig));
            Assert.Contains("2048", JsonDocument.Parse(await tooBig.Content.ReadAsStringAsync()).RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        using (var info = await adminB.GetAsync($"/@connections/{id}"))
        {
            Assert.Equal(HttpStatusCode.OK, info.StatusCode);
            string text = await info.Content.ReadAsStringAsync();
            output.WriteLine(text);
            var json = JsonDocument.Parse(text).RootElement;
            var connectedAt = json.GetProperty("connectedAt").GetDateTimeOffset();
            Assert.InRange(DateTimeOffset.UtcNow - connectedAt, TimeSpan.Zero, TimeSpan.FromMinutes(1));
            Assert.True(json.GetProperty("lastActiveAt").GetDateTimeOffset() >= connectedAt);
            Assert.Equal("127.0.0.1", json.GetProperty("identity").GetProperty("sourceIp").GetString());
            Assert.Equal(UserAgent, json.GetProperty("identity").GetProperty("userAgent").GetString());
            Assert.Equal(id, json.GetProperty("connectionId").GetString());
        }

        using (var delete = await adminB.DeleteAsync($"/@connections/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        await CompleteCloseAsync(client);
        await pair.Backend.WaitForAsync(e => e.EventType == "DISCONNECT" && e.ConnectionId == id);

        using (var gone = await adminB.PostAsync($"/@connections/{id}", new StringContent("late")))
        {
            Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
            Assert.Equal("GoneException", ErrorType(gone));
            Assert.True(JsonDocument.Parse(await gone.Content.ReadAsStringAsync()).RootElement.TryGetProperty("message", out _));
        }

        using (var gone = await adminB.GetAsync($"/@connections/{id}"))
        {
            Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
        }

        using (var gone = await adminB.DeleteAsync($"/@connections/{id}"))
        {
            Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
        }
    }

    private static async Task<(double P50, double P99)> TimePushesAsync(HttpClient admin, ClientWebSocket client, string id, string label)
    {
        var times = new List<double>();
        for (int i = 0; i < 220; i++)
        {
            var clock = Stopwatch.StartNew();
            using (var push = await admin.PostAsync($"/@connections/{id}", new StringContent($"{label} {i}")))
            {
                clock.Stop();
                Assert.Equal(HttpStatusCode.OK, push.StatusCode);
            }

            Assert.Equal($"{label} {i}", (await ReceiveAsync(client)).Text);
            if (i >= 20)
            {
                times.Add(clock.Elapsed.TotalMilliseconds); // the first 20 warm up
            }
        }

        times.Sort();
        return (times[times.Count / 2], times[(int)(times.Count * 0.99)]);
    }

    [RedisFact]
    public async Task AStoppedInstancesConnections_Are410AtOnce_OnTheOthers()
    {
        await using var pair = await StartAsync();
        using var adminB = pair.B.CreateAdminClient();
        var client = await ConnectToAsync(pair.A);
        string id = (await pair.Backend.WaitForAsync(e => e.EventType == "CONNECT")).ConnectionId;
        using (var push = await adminB.PostAsync($"/@connections/{id}", new StringContent("before")))
        {
            Assert.Equal(HttpStatusCode.OK, push.StatusCode);
        }

        Assert.Equal("before", (await ReceiveAsync(client)).Text);
        client.Abort();
        client.Dispose();
        await pair.StopAAsync();

        // A unsubscribed when it stopped: no instance takes the request, so B does not wait for a timeout.
        var clock = Stopwatch.StartNew();
        using (var gone = await adminB.PostAsync($"/@connections/{id}", new StringContent("after")))
        {
            Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
            Assert.Equal("GoneException", ErrorType(gone));
        }

        using (var gone = await adminB.GetAsync($"/@connections/{id}"))
        {
            Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
        }

        output.WriteLine($"two 410s for a stopped instance's connection in {clock.Elapsed.TotalMilliseconds:F0} ms");
        Assert.True(clock.Elapsed < Server.WebSockets.ConnectionRelay.Timeout, $"took {clock.Elapsed}");
    }

    [RedisFact]
    public async Task AnOwnerThatListensButNeverAnswers_Is504WhileAMember_And410OnceItsRegistrationLapsed()
    {
        await using var pair = await StartAsync();
        using var adminB = pair.B.CreateAdminClient();
        // A frozen instance: subscribed to its request channel (as a stopped process whose socket stays open), silent.
        const int tag = 0x5a5a5a;
        string id = Server.WebSockets.ConnectionIds.New(tag);
        await using var frozen = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(pair.Redis.Configuration);
        int heard = 0;
        await frozen.GetSubscriber().SubscribeAsync(StackExchange.Redis.RedisChannel.Literal($"{pair.Prefix}cluster:request:{Server.WebSockets.ConnectionIds.TagText(tag)}"),
            (_, _) => Interlocked.Increment(ref heard));
        var db = frozen.GetDatabase();
        string member = Server.WebSockets.ConnectionIds.TagText(tag) + "000000";
        await db.SortedSetAddAsync($"{pair.Prefix}cluster:members", member, DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeMilliseconds());

        var clock = Stopwatch.StartNew();
        using (var waiting = await adminB.PostAsync($"/@connections/{id}", new StringContent("x")))
        {
            Assert.Equal(HttpStatusCode.GatewayTimeout, waiting.StatusCode);
        }

        Assert.True(clock.Elapsed >= Server.WebSockets.ConnectionRelay.Timeout, $"answered after {clock.Elapsed}");
        Assert.Equal(1, Volatile.Read(ref heard));

        // Its registration lapsed (as a killed instance's does after instanceTtlMs): the connection is gone.
        await db.SortedSetAddAsync($"{pair.Prefix}cluster:members", member, DateTimeOffset.UtcNow.AddSeconds(-1).ToUnixTimeMilliseconds());
        using (var gone = await adminB.GetAsync($"/@connections/{id}"))
        {
            Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
            Assert.Equal("GoneException", ErrorType(gone));
        }

        Assert.Equal(2, Volatile.Read(ref heard));
    }

    [Boto3Fact]
    public async Task Boto3_PostsGetsAndDeletes_ThroughEitherInstance()
    {
        await using var pair = await StartAsync();
        using var client = await ConnectToAsync(pair.A);
        string id = (await pair.Backend.WaitForAsync(e => e.EventType == "CONNECT")).ConnectionId;
        string a = $"http://127.0.0.1:{pair.A.AdminPort}";
        string b = $"http://127.0.0.1:{pair.B.AdminPort}";

        var calls = await AwsManagementClients.Boto3Async(
            AwsManagementClients.Call("post", b + "/prod", id, "boto3 via B"),
            AwsManagementClients.Call("post", a, id, "boto3 via A"),
            AwsManagementClients.Call("get", b, id),
            AwsManagementClients.Call("post", b, id, new string('x', 2049)),
            AwsManagementClients.Call("get", a + "/chat/prod", id));
        foreach (var call in calls)
        {
            output.WriteLine($"{call.Status} {call.Error} {call.Output}");
        }

        Assert.Equal(200, calls[0].Status);
        Assert.Equal(200, calls[1].Status);
        Assert.Equal("boto3 via B", (await ReceiveAsync(client)).Text);
        Assert.Equal("boto3 via A", (await ReceiveAsync(client)).Text);
        Assert.Equal(200, calls[2].Status);
        Assert.Equal("127.0.0.1", calls[2].Output.GetProperty("sourceIp").GetString());
        Assert.Equal(UserAgent, calls[2].Output.GetProperty("userAgent").GetString());
        Assert.InRange(DateTimeOffset.UtcNow - DateTimeOffset.Parse(calls[2].Output.GetProperty("connectedAt").GetString()!, System.Globalization.CultureInfo.InvariantCulture), TimeSpan.Zero, TimeSpan.FromMinutes(1));
        Assert.Equal((413, "PayloadTooLargeException"), (calls[3].Status, calls[3].Error));
        Assert.Equal(200, calls[4].Status); // local, the id percent-encoded under an /{api}/{stage} prefix
        Assert.Equal(calls[2].Output.GetProperty("connectedAt").GetString(), calls[4].Output.GetProperty("connectedAt").GetString());

        var deleted = await AwsManagementClients.Boto3Async(AwsManagementClients.Call("delete", b, id));
        Assert.Equal(204, deleted[0].Status);
        await CompleteCloseAsync(client);
        await pair.Backend.WaitForAsync(e => e.EventType == "DISCONNECT" && e.ConnectionId == id);

        var gone = await AwsManagementClients.Boto3Async(
            AwsManagementClients.Call("post", b, id, "late"),
            AwsManagementClients.Call("get", a, id),
            AwsManagementClients.Call("delete", b + "/chat/prod", id));
        Assert.All(gone, call => Assert.Equal((410, "GoneException", true), (call.Status, call.Error, call.Modelled)));
    }

    [AwsCliFact]
    public async Task AwsCli_PostToConnection_GetAndDelete_ThroughEitherInstance()
    {
        await using var pair = await StartAsync();
        using var client = await ConnectToAsync(pair.A);
        string id = (await pair.Backend.WaitForAsync(e => e.EventType == "CONNECT")).ConnectionId;
        string a = $"http://127.0.0.1:{pair.A.AdminPort}";
        string b = $"http://127.0.0.1:{pair.B.AdminPort}";

        var viaB = await AwsManagementClients.CliAsync("post-to-connection", b, id, "cli via B");
        Assert.True(viaB.ExitCode == 0, viaB.Stderr);
        Assert.Equal("cli via B", (await ReceiveAsync(client)).Text);
        var viaA = await AwsManagementClients.CliAsync("post-to-connection", a + "/prod", id, "cli via A");
        Assert.True(viaA.ExitCode == 0, viaA.Stderr);
        Assert.Equal("cli via A", (await ReceiveAsync(client)).Text);

        var info = await AwsManagementClients.CliAsync("get-connection", b, id);
        Assert.True(info.ExitCode == 0, info.Stderr);
        output.WriteLine(info.Stdout);
        var json = JsonDocument.Parse(info.Stdout).RootElement;
        Assert.Equal("127.0.0.1", json.GetProperty("Identity").GetProperty("SourceIp").GetString());
        Assert.Equal(UserAgent, json.GetProperty("Identity").GetProperty("UserAgent").GetString());
        Assert.True(json.TryGetProperty("ConnectedAt", out _) && json.TryGetProperty("LastActiveAt", out _));

        var deleted = await AwsManagementClients.CliAsync("delete-connection", b, id);
        Assert.True(deleted.ExitCode == 0, deleted.Stderr);
        await CompleteCloseAsync(client);
        await pair.Backend.WaitForAsync(e => e.EventType == "DISCONNECT" && e.ConnectionId == id);

        var gone = await AwsManagementClients.CliAsync("post-to-connection", b, id, "late");
        output.WriteLine(gone.Stderr);
        Assert.NotEqual(0, gone.ExitCode);
        Assert.Contains("GoneException", gone.Stderr, StringComparison.Ordinal);
    }
}
