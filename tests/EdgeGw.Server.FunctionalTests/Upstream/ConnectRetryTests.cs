using System.Net;
using System.Net.Http;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Upstream;

/// <summary>A connect that fails sent nothing, so the request goes to another destination (<c>retries</c>).</summary>
public sealed class ConnectRetryTests
{
    private static string Config(string destinations, string extra = "") => $$"""
        {
          "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 1 },
          "clusters": [ { "name": "up", "destinations": [ {{destinations}} ], "connectTimeoutMs": 1000 {{extra}} } ],
          "apis": [ { "name": "t", "stages": [ { "name": "prod" } ], "routes": [
            { "key": "ANY /{proxy+}", "integration": { "type": "http", "cluster": "up" } } ] } ]
        }
        """;

    [Fact]
    public async Task RefusedDestination_RequestGoesToTheLiveOne_ForEveryMethod()
    {
        int refused = Upstreams.RefusedPort();
        await using var live = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Config($"\"127.0.0.1:{refused}\", \"{live.Authority}\""));
        using var client = gateway.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 6; i++)
        {
            using var get = await client.GetAsync($"/prod/get/{i}");
            statuses.Add(get.StatusCode);
            using var post = await client.PostAsync($"/prod/post/{i}", new StringContent($"body {i}"));
            statuses.Add(post.StatusCode);
            Assert.Equal($"body {i}", await post.Content.ReadAsStringAsync());
            using var delete = await client.DeleteAsync($"/prod/delete/{i}");
            statuses.Add(delete.StatusCode);
        }

        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(18, live.RequestsSeen);
        // Round robin sent half of the first picks to the refused destination; each failed connect counted against it.
        Assert.True(gateway.Runtime.Upstreams.Find($"127.0.0.1:{refused}")!.Ejections >= 1);
    }

    [Fact]
    public async Task RefusedDestination_WithRetriesZero_Answers502()
    {
        int refused = Upstreams.RefusedPort();
        await using var live = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Config($"\"127.0.0.1:{refused}\", \"{live.Authority}\"", """, "retries": 0"""));
        using var client = gateway.CreateClient();

        var statuses = new List<HttpStatusCode>();
        for (int i = 0; i < 4; i++)
        {
            using var post = await client.PostAsync($"/prod/post/{i}", new StringContent("payload"));
            statuses.Add(post.StatusCode);
        }

        Assert.Equal(2, statuses.Count(s => s == HttpStatusCode.BadGateway));
        Assert.Equal(2, statuses.Count(s => s == HttpStatusCode.OK));
    }

    [Fact]
    public async Task RefusedDestination_WebSocketUpgradesTunnelToTheLiveOne()
    {
        int refused = Upstreams.RefusedPort();
        var (echo, authority) = await WebSocketEchoServer.StartAsync();
        await using var _ = echo;
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard($"127.0.0.1:{refused}\", \"{authority}"));

        // Round robin: one of the two upgrades picks the refused destination first.
        for (int i = 0; i < 2; i++)
        {
            using var client = new System.Net.WebSockets.ClientWebSocket();
            await client.ConnectAsync(new Uri($"ws://127.0.0.1:{gateway.Port}/prod/echo/ws"), CancellationToken.None);
            await client.SendAsync("hello"u8.ToArray(), System.Net.WebSockets.WebSocketMessageType.Text, true, CancellationToken.None);
            var buffer = new byte[64];
            var received = await client.ReceiveAsync(buffer, CancellationToken.None);
            Assert.Equal("hello", System.Text.Encoding.UTF8.GetString(buffer, 0, received.Count));
            await client.CloseAsync(System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }
    }

    [Fact]
    public async Task RefusedDestination_WebSocketApiIntegrationCallsGoToTheLiveOne()
    {
        int refused = Upstreams.RefusedPort();
        await using var backend = await WebSocketBackend.StartAsync();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.WebSocketApi($"127.0.0.1:{refused}\", \"{backend.Authority}"));
        using var client = new System.Net.WebSockets.ClientWebSocket();
        await client.ConnectAsync(new Uri($"ws://127.0.0.1:{gateway.Port}/prod"), CancellationToken.None);

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var replies = new List<string>();
        for (int i = 0; i < 4; i++)
        {
            string message = $$"""{"action":"echo","n":{{i}}}""";
            await client.SendAsync(System.Text.Encoding.UTF8.GetBytes(message), System.Net.WebSockets.WebSocketMessageType.Text, true, timeout.Token);
            var buffer = new byte[1024];
            var received = await client.ReceiveAsync(buffer, timeout.Token);
            replies.Add(System.Text.Encoding.UTF8.GetString(buffer, 0, received.Count));
        }

        Assert.Equal(["""{"action":"echo","n":0}""", """{"action":"echo","n":1}""", """{"action":"echo","n":2}""", """{"action":"echo","n":3}"""], replies);
    }
}
