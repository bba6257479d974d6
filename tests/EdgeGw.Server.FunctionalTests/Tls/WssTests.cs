using System.Net.WebSockets;
using System.Text;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using EdgeGw.Tests.Tls;
using static EdgeGw.Server.FunctionalTests.Tls.TlsFixture;

namespace EdgeGw.Server.FunctionalTests.Tls;

/// <summary>A WebSocket API over an https listener (wss://), driven by System.Net.WebSockets.ClientWebSocket.</summary>
public sealed class WssTests : IDisposable
{
    private readonly TestCertificates _certs = new();

    public void Dispose() => _certs.Dispose();

    [Fact]
    public async Task WebSocketApi_OverWss_RoutesMessages_AndTellsConnectItIsHttps()
    {
        await using var backend = await WebSocketBackend.StartAsync();
        var (cert, key, _) = _certs.Leaf("api", ["api.test"]);
        string config = GatewayConfigs.WebSocketApi(backend.Authority).Replace("\"listen\": [\"http://127.0.0.1:0\"]", "\"listen\": [\"https://127.0.0.1:0\"]", StringComparison.Ordinal);
        await using var gateway = await StartAsync(config, $$"""{ "certificates": [ {{Certificate(cert, key)}} ] }""");
        using var http = CreateClient(gateway, _certs);
        using var client = new ClientWebSocket();
        // A client-sent X-Forwarded-Proto must not reach $connect: the gateway says how the client came.
        client.Options.SetRequestHeader("X-Forwarded-Proto", "http");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        await client.ConnectAsync(new Uri($"wss://api.test:{gateway.Port}/prod"), http, timeout.Token);
        var connect = await backend.WaitForAsync(e => e.EventType == "CONNECT");
        await client.SendAsync(Encoding.UTF8.GetBytes("""{"action":"echo","data":"over tls"}"""), WebSocketMessageType.Text, true, timeout.Token);
        var buffer = new byte[4096];
        var received = await client.ReceiveAsync(buffer, timeout.Token);

        Assert.Equal("""{"action":"echo","data":"over tls"}""", Encoding.UTF8.GetString(buffer, 0, received.Count));
        Assert.Equal("https", connect.Headers["x-forwarded-proto"]);
        Assert.Equal(1, gateway.Runtime.Tls.Handshakes);
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);
        await backend.WaitForAsync(e => e.EventType == "DISCONNECT");
    }
}
