using System.Net.Http;
using System.Net.WebSockets;
using System.Text.Json;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using EdgeGw.Server.FunctionalTests.WebSockets;
using static EdgeGw.Server.FunctionalTests.Deployments.DeploymentFixture;
using static EdgeGw.Server.FunctionalTests.WebSockets.WebSocketApiTests;

namespace EdgeGw.Server.FunctionalTests.Deployments;

/// <summary>
/// A WebSocket API's stage deployed and rolled back through the admin API of a real gateway, with a real backend:
/// new connections get the deployment the stage serves, an open connection keeps the one it was accepted with,
/// and a canary is refused.
/// </summary>
public sealed class WebSocketDeploymentTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"edgegw-ws-deployments-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>The chat API whose $default route answers <paramref name="answer"/>, deployments kept in the test's directory.</summary>
    private string Config(string backend, string answer)
    {
        string config = GatewayConfigs.WebSocketApi(backend).Replace("\"body\": \"default route\"", $"\"body\": \"{answer}\"", StringComparison.Ordinal);
        Assert.Contains(answer, config, StringComparison.Ordinal);
        int clusters = config.IndexOf("\"clusters\":", StringComparison.Ordinal);
        return config.Insert(clusters, $"\"deployments\": {{ \"directory\": {JsonSerializer.Serialize(_directory)} }},\n  ");
    }

    /// <summary>What the stage's $default route answers a message no other route takes, on <paramref name="client"/>.</summary>
    private static async Task<string> DefaultAnswerAsync(ClientWebSocket client)
    {
        await SendTextAsync(client, """{"action":"no-such-route"}""");
        return (await ReceiveAsync(client)).Text;
    }

    private static async Task<string> NewConnectionAnswerAsync(TestGateway gateway)
    {
        using var client = await ConnectAsync(gateway);
        string answer = await DefaultAnswerAsync(client);
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None);
        return answer;
    }

    [Fact]
    public async Task Deployed_NewConnectionsGetTheStagesDeployment_AnOpenOneKeepsItsOwn_RollbackAndNoCanary()
    {
        await using var backend = await WebSocketBackend.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Config(backend.Authority, "v1"));
        using var admin = gateway.CreateAdminClient();

        var (firstStatus, first) = await AdminAsync(admin, HttpMethod.Post, "/deployments", new { api = "chat", stage = "prod", description = "chat v1" });
        using var early = await ConnectAsync(gateway);
        gateway.Runtime.Swap(TestGateway.BuildModel(Config(backend.Authority, "v2"))); // the file edited: a hot reload
        string afterEdit = await NewConnectionAnswerAsync(gateway);
        var (secondStatus, second) = await AdminAsync(admin, HttpMethod.Post, "/deployments", new { api = "chat", stage = "prod" });
        string afterSecond = await NewConnectionAnswerAsync(gateway);
        string earlyAfterSecond = await DefaultAnswerAsync(early);
        var (rollbackStatus, _) = await AdminAsync(admin, HttpMethod.Post, "/stages/chat/prod/rollback?to=1");
        string afterRollback = await NewConnectionAnswerAsync(gateway);
        var (canaryStatus, canary) = await AdminAsync(admin, HttpMethod.Put, "/stages/chat/prod/canary", new { deployment = 2, percentTraffic = 10.0 });
        var (canaryDeployStatus, _) = await AdminAsync(admin, HttpMethod.Post, "/deployments",
            new { api = "chat", stage = "prod", canarySettings = new { percentTraffic = 10.0 } });
        var (_, list) = await AdminAsync(admin, HttpMethod.Get, "/deployments?api=chat");
        string afterRefusals = await NewConnectionAnswerAsync(gateway);

        Assert.Equal(201, firstStatus);
        Assert.Equal(1, first.GetProperty("id").GetInt32());
        Assert.Equal("v1", afterEdit);
        Assert.Equal(201, secondStatus);
        Assert.Equal(2, second.GetProperty("id").GetInt32());
        Assert.Equal("v2", afterSecond);
        Assert.Equal("v1", earlyAfterSecond);
        Assert.Equal(200, rollbackStatus);
        Assert.Equal("v1", afterRollback);
        Assert.Equal(400, canaryStatus);
        Assert.Contains("WebSocket API", canary.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(400, canaryDeployStatus);
        Assert.Equal(new[] { 1, 2 }, list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetInt32()));
        var stage = Assert.Single(list.GetProperty("stages").EnumerateArray());
        Assert.Equal(1, stage.GetProperty("deployment").GetInt32());
        Assert.Equal("v1", afterRefusals);
    }
}
