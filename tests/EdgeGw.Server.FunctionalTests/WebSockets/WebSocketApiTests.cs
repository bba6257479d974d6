using System.Net;
using System.Net.Http;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGw.Server.FunctionalTests.WebSockets;

/// <summary>WebSocket APIs terminated by the gateway, driven by System.Net.WebSockets.ClientWebSocket.</summary>
public sealed class WebSocketApiTests
{
    internal static async Task<ClientWebSocket> ConnectAsync(TestGateway gateway, string path = "/prod", Action<ClientWebSocketOptions>? options = null)
    {
        var client = new ClientWebSocket();
        options?.Invoke(client.Options);
        await client.ConnectAsync(new Uri($"ws://127.0.0.1:{gateway.Port}{path}"), CancellationToken.None);
        return client;
    }

    internal static Task SendTextAsync(ClientWebSocket client, string text) =>
        client.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, CancellationToken.None);

    internal static async Task<(WebSocketMessageType Type, string Text)> ReceiveAsync(ClientWebSocket client)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var buffer = new byte[256 * 1024];
        int length = 0;
        ValueWebSocketReceiveResult part;
        do
        {
            part = await client.ReceiveAsync(buffer.AsMemory(length), timeout.Token);
            length += part.Count;
        }
        while (!part.EndOfMessage);
        return (part.MessageType, Encoding.UTF8.GetString(buffer, 0, length));
    }

    [Fact]
    public async Task Messages_AreRoutedByTheSelectionExpression_AndRouteResponsesComeBack()
    {
        await using var backend = await WebSocketBackend.StartAsync();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.WebSocketApi(backend.Authority));
        using var client = await ConnectAsync(gateway);
        var connect = await backend.WaitForAsync(e => e.EventType == "CONNECT");

        await SendTextAsync(client, """{"action":"echo","data":"hello"}""");
        Assert.Equal((WebSocketMessageType.Text, """{"action":"echo","data":"hello"}"""), await ReceiveAsync(client));
        await SendTextAsync(client, """{"data":{"action":"echo"},"action":"up\u0070er","x":[1,2]}""");
        Assert.Equal("""{"DATA":{"ACTION":"ECHO"},"ACTION":"UP\U0070ER","X":[1,2]}""", (await ReceiveAsync(client)).Text);
        await SendTextAsync(client, """{"action":"nobody"}""");
        Assert.Equal("default route", (await ReceiveAsync(client)).Text);
        await SendTextAsync(client, "not json at all");
        Assert.Equal("default route", (await ReceiveAsync(client)).Text);
        await SendTextAsync(client, """{"action":"echo" """);
        Assert.Equal("default route", (await ReceiveAsync(client)).Text);
        await client.SendAsync(new byte[] { 1, 2, 3 }, WebSocketMessageType.Binary, true, CancellationToken.None);
        Assert.Equal("default route", (await ReceiveAsync(client)).Text);

        var echoed = await backend.WaitForAsync(e => e.RouteKey == "echo");
        Assert.Equal(("MESSAGE", connect.ConnectionId, "/echo"), (echoed.EventType, echoed.ConnectionId, echoed.Path));
        Assert.Equal(16, connect.ConnectionId.Length);
        Assert.Equal("127.0.0.1", echoed.Headers["x-forwarded-for"]);
        Assert.Equal(2, backend.Events.Count(e => e.EventType == "MESSAGE"));

        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);
        var disconnect = await backend.WaitForAsync(e => e.EventType == "DISCONNECT");
        Assert.Equal(connect.ConnectionId, disconnect.ConnectionId);
        Assert.True(await Eventually.TrueAsync(() => gateway.Runtime.WebSockets.ActiveConnections == 0));
    }

    [Fact]
    public async Task NestedSelectionExpression_FollowsThePropertyPath()
    {
        await using var backend = await WebSocketBackend.StartAsync();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.WebSocketApi(backend.Authority, selection: "$request.body.meta.route"));
        using var client = await ConnectAsync(gateway);

        await SendTextAsync(client, """{"route":"x","meta":{"other":{"route":"no"},"route":"echo"}}""");
        Assert.Equal("""{"route":"x","meta":{"other":{"route":"no"},"route":"echo"}}""", (await ReceiveAsync(client)).Text);
        await SendTextAsync(client, """{"meta":{"x":1},"other":{"route":"echo"}}""");
        Assert.Equal("default route", (await ReceiveAsync(client)).Text);
        await SendTextAsync(client, """{"meta":"echo"}""");
        Assert.Equal("default route", (await ReceiveAsync(client)).Text);
    }

    [Fact]
    public async Task WithoutDefaultRoute_AnUnmatchedMessage_GetsAnErrorMessage_AndTheConnectionStays()
    {
        await using var backend = await WebSocketBackend.StartAsync();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.WebSocketApi(backend.Authority, withDefault: false));
        using var client = await ConnectAsync(gateway);
        var connect = await backend.WaitForAsync(e => e.EventType == "CONNECT");

        await SendTextAsync(client, """{"action":"missing"}""");
        using var error = JsonDocument.Parse((await ReceiveAsync(client)).Text);
        Assert.Equal("Forbidden", error.RootElement.GetProperty("message").GetString());
        Assert.Equal(connect.ConnectionId, error.RootElement.GetProperty("connectionId").GetString());

        await SendTextAsync(client, """{"action":"echo"}""");
        Assert.Equal("""{"action":"echo"}""", (await ReceiveAsync(client)).Text);
        Assert.Equal(1, gateway.Runtime.WebSockets.Unroutable);
    }

    [Fact]
    public async Task FailingIntegration_RepliesWithItsAnswer_UnreachableOneWithInternalServerError()
    {
        await using var backend = await WebSocketBackend.StartAsync();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.WebSocketApi(backend.Authority));
        using var client = await ConnectAsync(gateway);

        await SendTextAsync(client, """{"action":"fail"}""");
        await SendTextAsync(client, """{"action":"echo","n":1}""");
        // /fail answers 500 with no body: there is nothing to send back, so the next reply is the echo's.
        Assert.Equal("""{"action":"echo","n":1}""", (await ReceiveAsync(client)).Text);

        await backend.DisposeAsync();
        await SendTextAsync(client, """{"action":"echo","n":2}""");
        using var error = JsonDocument.Parse((await ReceiveAsync(client)).Text);
        Assert.Equal("Internal server error", error.RootElement.GetProperty("message").GetString());
        Assert.True(gateway.Runtime.WebSockets.IntegrationErrors >= 1);
    }

    [Fact]
    public async Task ConnectIntegration_Refusing_RefusesTheUpgradeWithItsStatusAndBody_AndSeesHeadersAndQuery()
    {
        await using var backend = await WebSocketBackend.StartAsync();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.WebSocketApi(backend.Authority));
        await using var raw = await gateway.ConnectRawAsync();

        await raw.SendAsync("GET /prod?deny=1&user=ann HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nX-Custom: yes\r\n" +
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
        var response = await raw.ReadResponseAsync();

        Assert.Equal(401, response.Status);
        Assert.Equal("""{"message":"denied by backend"}""", response.BodyText);
        var connect = await backend.WaitForAsync(e => e.EventType == "CONNECT");
        Assert.Equal("?deny=1&user=ann", connect.Query);
        Assert.Equal("yes", connect.Headers["x-custom"]);
        Assert.False(connect.Headers.ContainsKey("sec-websocket-key"));
        Assert.False(connect.Headers.ContainsKey("upgrade"));
        Assert.Equal(1, gateway.Runtime.WebSockets.Refused);
        Assert.Equal(0, gateway.Runtime.WebSockets.Accepted);

        var refused = await Assert.ThrowsAsync<WebSocketException>(() => ConnectAsync(gateway, "/prod?deny=1"));
        Assert.Contains("401", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AtConnections_PushesInspectsAndCloses_AndBackendsPushThroughIt()
    {
        await using var backend = await WebSocketBackend.StartAsync();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.WebSocketApi(backend.Authority));
        backend.AdminPort = gateway.AdminPort;
        using var admin = gateway.CreateAdminClient();
        using var client = await ConnectAsync(gateway);
        string id = (await backend.WaitForAsync(e => e.EventType == "CONNECT")).ConnectionId;

        using (var push = await admin.PostAsync($"/@connections/{id}", new StringContent("from the admin")))
        {
            Assert.Equal(HttpStatusCode.OK, push.StatusCode);
        }

        Assert.Equal((WebSocketMessageType.Text, "from the admin"), await ReceiveAsync(client));
        using (var binary = await admin.PostAsync($"/@connections/{id}", new ByteArrayContent([0xFF, 0x00, 0xFE])))
        {
            Assert.Equal(HttpStatusCode.OK, binary.StatusCode);
        }

        Assert.Equal(WebSocketMessageType.Binary, (await ReceiveAsync(client)).Type);

        await SendTextAsync(client, """{"action":"push","v":1}""");
        Assert.Equal("""pushed:{"action":"push","v":1}""", (await ReceiveAsync(client)).Text);

        using (var info = await admin.GetAsync($"/@connections/{id}"))
        {
            Assert.Equal(HttpStatusCode.OK, info.StatusCode);
            using var json = JsonDocument.Parse(await info.Content.ReadAsStringAsync());
            Assert.Equal(id, json.RootElement.GetProperty("connectionId").GetString());
            Assert.Equal("127.0.0.1", json.RootElement.GetProperty("sourceIp").GetString());
            var connectedAt = json.RootElement.GetProperty("connectedAt").GetDateTimeOffset();
            var lastActive = json.RootElement.GetProperty("lastActiveAt").GetDateTimeOffset();
            Assert.InRange(DateTimeOffset.UtcNow - connectedAt, TimeSpan.Zero, TimeSpan.FromMinutes(1));
            Assert.True(lastActive >= connectedAt);
        }

        using (var delete = await admin.DeleteAsync($"/@connections/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var closing = await client.ReceiveAsync(new byte[16], timeout.Token);
        Assert.Equal(WebSocketMessageType.Close, closing.MessageType);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);
        // Completing the close handshake ends the connection at once (without it the gateway waits 5 s, then cuts it).
        await client.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "ok", timeout.Token);
        await backend.WaitForAsync(e => e.EventType == "DISCONNECT" && e.ConnectionId == id, TimeSpan.FromSeconds(3));

        using var gone = await admin.GetAsync($"/@connections/{id}");
        Assert.Equal(HttpStatusCode.Gone, gone.StatusCode);
        using var unknown = await admin.PostAsync("/@connections/AAAAAAAAAAAAAAAA", new StringContent("x"));
        Assert.Equal(HttpStatusCode.Gone, unknown.StatusCode);
    }

    [Fact]
    public async Task AtConnections_Push_OverTheMessageLimit_Is413_AndKeepAlivePushesArriveInOrder()
    {
        await using var backend = await WebSocketBackend.StartAsync();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.WebSocketApi(backend.Authority, webSocket: "\"maxFrameBytes\": 1024, \"maxMessageBytes\": 2048"));
        using var admin = gateway.CreateAdminClient();
        using var client = await ConnectAsync(gateway);
        string id = (await backend.WaitForAsync(e => e.EventType == "CONNECT")).ConnectionId;

        using (var tooBig = await admin.PostAsync($"/@connections/{id}", new ByteArrayContent(new byte[2049])))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);
        }

        for (int i = 0; i < 50; i++)
        {
            using var push = await admin.PostAsync($"/@connections/{id}", new ByteArrayContent(Encoding.UTF8.GetBytes($"push {i}")));
            Assert.Equal(HttpStatusCode.OK, push.StatusCode);
            Assert.Equal((WebSocketMessageType.Text, $"push {i}"), await ReceiveAsync(client));
        }

        Assert.Equal(50, gateway.Runtime.WebSockets.MessagesSent);
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    [Fact]
    public async Task MessageOverTheLimit_ClosesWith1009()
    {
        await using var backend = await WebSocketBackend.StartAsync();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.WebSocketApi(backend.Authority, webSocket: "\"maxFrameBytes\": 1024, \"maxMessageBytes\": 4096"));
        using var client = await ConnectAsync(gateway);

        // Fragments within the frame limit that add up to more than the message limit.
        var piece = new byte[1000];
        for (int i = 0; i < 5; i++)
        {
            await client.SendAsync(piece, WebSocketMessageType.Binary, endOfMessage: false, CancellationToken.None);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var result = await client.ReceiveAsync(new byte[64], timeout.Token);
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, client.CloseStatus);
        Assert.Equal(1, gateway.Runtime.WebSockets.ProtocolErrors);
    }

    [Fact]
    public async Task IdleConnection_IsClosedWith1001_AfterTheIdleTimeout_OnTheGatewayClock()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var backend = await WebSocketBackend.StartAsync();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.WebSocketApi(backend.Authority, webSocket: "\"idleTimeoutSeconds\": 30, \"maxLifetimeSeconds\": 100"), time);
        using var client = await ConnectAsync(gateway);
        await SendTextAsync(client, """{"action":"echo"}""");
        await ReceiveAsync(client);

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(0, gateway.Runtime.WebSockets.IdleClosed);
        await SendTextAsync(client, """{"action":"echo"}""");
        await ReceiveAsync(client);
        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(0, gateway.Runtime.WebSockets.IdleClosed);
        time.Advance(TimeSpan.FromSeconds(2));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var result = await client.ReceiveAsync(new byte[64], timeout.Token);
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, client.CloseStatus);
        Assert.Equal("Idle timeout", client.CloseStatusDescription);
        Assert.Equal(1, gateway.Runtime.WebSockets.IdleClosed);
    }

    [Fact]
    public async Task BusyConnection_IsClosedAtItsMaximumLifetime()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var backend = await WebSocketBackend.StartAsync();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.WebSocketApi(backend.Authority, webSocket: "\"idleTimeoutSeconds\": 30, \"maxLifetimeSeconds\": 60"), time);
        using var client = await ConnectAsync(gateway);
        for (int i = 0; i < 3; i++)
        {
            time.Advance(TimeSpan.FromSeconds(19));
            await SendTextAsync(client, """{"action":"echo"}""");
            Assert.Equal("""{"action":"echo"}""", (await ReceiveAsync(client)).Text);
        }

        Assert.Equal(0, gateway.Runtime.WebSockets.LifetimeClosed);
        time.Advance(TimeSpan.FromSeconds(4));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var result = await client.ReceiveAsync(new byte[64], timeout.Token);
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal("Connection lifetime exceeded", client.CloseStatusDescription);
        Assert.Equal(1, gateway.Runtime.WebSockets.LifetimeClosed);
    }

    [Fact]
    public async Task Subprotocol_TheApisPreferenceAmongTheClientsOffers_IsSelected()
    {
        await using var backend = await WebSocketBackend.StartAsync();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.WebSocketApi(backend.Authority, webSocket: "\"subprotocols\": [\"chat.v2\", \"chat.v1\"]"));
        using var client = await ConnectAsync(gateway, options: o =>
        {
            o.AddSubProtocol("other");
            o.AddSubProtocol("chat.v1");
            o.AddSubProtocol("chat.v2");
        });
        Assert.Equal("chat.v2", client.SubProtocol);
    }

    [Theory]
    [InlineData("Sec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", 426)]
    [InlineData("Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n", 400)]
    [InlineData("Sec-WebSocket-Version: 13\r\n", 400)]
    [InlineData("Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: https://evil.example\r\n", 403)]
    [InlineData("Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", 403)]
    public async Task BadHandshake_IsRefused_AndConnectIsNeverCalled(string headers, int status)
    {
        await using var backend = await WebSocketBackend.StartAsync();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.WebSocketApi(backend.Authority, webSocket: "\"allowedOrigins\": [\"https://app.example\"]"));
        await using var raw = await gateway.ConnectRawAsync();

        await raw.SendAsync("GET /prod HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" + headers + "\r\n");
        var response = await raw.ReadResponseAsync();

        Assert.Equal(status, response.Status);
        if (status == 426)
        {
            Assert.Equal("13", response.Head.Get("Sec-WebSocket-Version"));
        }

        Assert.Empty(backend.Events);
        using var allowed = await ConnectAsync(gateway, options: o => o.SetRequestHeader("Origin", "https://APP.example"));
        Assert.Equal(WebSocketState.Open, allowed.State);
    }

    [Fact]
    public async Task HandshakeWithABody_IsRefusedAsTooLarge_AndTheConnectionCloses()
    {
        await using var backend = await WebSocketBackend.StartAsync();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.WebSocketApi(backend.Authority));
        await using var raw = await gateway.ConnectRawAsync();

        await raw.SendAsync("GET /prod HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 5\r\n" +
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\nGET /");
        var response = await raw.ReadResponseAsync();

        // The handshake route accepts no body at all.
        Assert.Equal(413, response.Status);
        Assert.True(response.Head.ConnectionHas("close"));
        Assert.Empty(backend.Events);
    }

    [Fact]
    public async Task PlainGet_OnAWebSocketApi_Is426()
    {
        await using var backend = await WebSocketBackend.StartAsync();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.WebSocketApi(backend.Authority));
        using var http = gateway.CreateClient();
        using var response = await http.GetAsync("/prod");
        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
        Assert.Equal("websocket", response.Headers.Upgrade.Single().Name);
    }

    [Fact]
    public async Task NewConnectionsThrottle_RefusesHandshakesOverTheRate_With429()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var backend = await WebSocketBackend.StartAsync();
        await using var gateway = await TestGateway.StartAsync(
            GatewayConfigs.WebSocketApi(backend.Authority, webSocket: "\"newConnectionsThrottle\": { \"rateLimit\": 1, \"burstLimit\": 2 }"), time);

        using var first = await ConnectAsync(gateway);
        using var second = await ConnectAsync(gateway);
        var refused = await Assert.ThrowsAsync<WebSocketException>(() => ConnectAsync(gateway));
        Assert.Contains("429", refused.Message, StringComparison.Ordinal);
        time.Advance(TimeSpan.FromSeconds(1));
        using var third = await ConnectAsync(gateway);
        Assert.Equal(3, gateway.Runtime.WebSockets.Accepted);
    }

    [Fact]
    public async Task ConnectRouteThrottlesAndApiKeys_GuardTheHandshake()
    {
        await using var backend = await WebSocketBackend.StartAsync();
        string config = GatewayConfigs.WebSocketApi(backend.Authority, connectExtra: "\"apiKeyRequired\": true,")
            .Replace("\"clusters\":", "\"usagePlans\": [ { \"name\": \"basic\", \"stages\": [\"chat/prod\"] } ], \"apiKeys\": { \"keys\": [ { \"id\": \"k1\", \"value\": \"websocket-secret-key-0001\", \"usagePlans\": [\"basic\"] } ] }, \"clusters\":", StringComparison.Ordinal);
        await using var gateway = await TestGateway.StartAsync(config);

        var refused = await Assert.ThrowsAsync<WebSocketException>(() => ConnectAsync(gateway));
        Assert.Contains("403", refused.Message, StringComparison.Ordinal);
        using var client = await ConnectAsync(gateway, options: o => o.SetRequestHeader("x-api-key", "websocket-secret-key-0001"));
        Assert.Equal(WebSocketState.Open, client.State);
    }
}
