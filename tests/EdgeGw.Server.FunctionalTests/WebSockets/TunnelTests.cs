using System.Diagnostics;
using System.Net;
using System.Net.WebSockets;
using System.Text;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGw.Server.FunctionalTests.WebSockets;

/// <summary>WebSocket upgrade tunnelling through the gateway to a real Kestrel WebSocket echo server.</summary>
public sealed class TunnelTests
{
    [Fact]
    public async Task ClientWebSocket_ThroughTheGateway_ExchangesMessages_AndClosesCleanly()
    {
        var (echo, authority) = await WebSocketEchoServer.StartAsync();
        await using var _ = echo;
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(authority));
        using var client = new ClientWebSocket();
        await client.ConnectAsync(new Uri($"ws://127.0.0.1:{gateway.Port}/prod/echo/ws"), CancellationToken.None);

        await client.SendAsync(Encoding.UTF8.GetBytes("hello"), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[256 * 1024];
        var first = await client.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal("hello", Encoding.UTF8.GetString(buffer, 0, first.Count));

        var big = new byte[200_000];
        new Random(7).NextBytes(big);
        await client.SendAsync(big, WebSocketMessageType.Binary, true, CancellationToken.None);
        int length = 0;
        WebSocketReceiveResult part;
        do
        {
            part = await client.ReceiveAsync(new ArraySegment<byte>(buffer, length, buffer.Length - length), CancellationToken.None);
            length += part.Count;
        }
        while (!part.EndOfMessage);
        Assert.Equal(big, buffer.AsSpan(0, length).ToArray());

        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        Assert.Equal(WebSocketState.Closed, client.State);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);

        var destination = gateway.Runtime.Upstreams.Find(authority)!;
        await Eventually.TrueAsync(() => destination.OpenConnections == 0 && gateway.Runtime.ActiveConnections == 0);

        Assert.Equal(0, destination.OpenConnections);
        Assert.Equal(0, destination.IdleConnections);
        Assert.Equal(0, gateway.Runtime.ActiveConnections);
    }

    [Fact]
    public async Task UpstreamRefusingTheUpgrade_IsRelayedAsANormalResponse()
    {
        var (echo, authority) = await WebSocketEchoServer.StartAsync();
        await using var _ = echo;
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(authority));
        await using var raw = await gateway.ConnectRawAsync();

        await raw.SendAsync("GET /prod/echo/elsewhere HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
        var response = await raw.ReadResponseAsync();

        Assert.Equal(426, response.Status);
        Assert.Equal("no websocket here", response.BodyText);
    }
}

/// <summary>The tunnel's idle limit: quiet both ways closes it; traffic one way keeps it open.</summary>
public sealed class TunnelIdleTests
{
    private static string Config(string authority) =>
        GatewayConfigs.Standard(authority).Replace("\"drainTimeoutSeconds\": 2,", "\"drainTimeoutSeconds\": 2, \"tunnelIdleTimeoutSeconds\": 2,", StringComparison.Ordinal);

    [Fact]
    public async Task IdleTunnel_IsClosed_ButOneWayTrafficKeepsItOpen()
    {
        // The tunnel's idle limit runs on the gateway's clock: a fake one makes "quiet for 2 s" exact.
        var time = new FakeTimeProvider();
        long received = 0;
        var upstreamClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // A raw upstream: accepts the upgrade, then only reads (never writes), and reports when the gateway hangs up.
        await using var upstream = UpstreamServer.Start(async context =>
        {
            await context.Reader.ReadHeadAsync(context.Stopping);
            await context.WriteAsync("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
            try
            {
                await context.Reader.ReadToEndAsync(data => Interlocked.Add(ref received, data.Length), context.Stopping);
            }
            catch (IOException)
            {
            }

            upstreamClosed.TrySetResult();
        });
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority), time);
        await using var raw = await gateway.ConnectRawAsync();
        await raw.SendAsync("GET /prod/echo/ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
        var switched = await raw.ReadResponseAsync(headRequest: true);
        Assert.Equal(101, switched.Status);

        // Ten pings 500 ms apart: 5 s of one-way traffic, longer than the 2 s idle limit but never 2 s quiet.
        for (int i = 1; i <= 10; i++)
        {
            await raw.SendAsync("ping"u8.ToArray());
            Assert.True(await Eventually.TrueAsync(() => Interlocked.Read(ref received) == 4 * i), $"ping {i} reached the upstream");
            time.Advance(TimeSpan.FromMilliseconds(500));
        }

        Assert.False(upstreamClosed.Task.IsCompleted, "one-way traffic kept the tunnel open");

        // Then silence both ways past the limit: both sides are closed.
        time.Advance(TimeSpan.FromSeconds(2));
        await upstreamClosed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(await raw.IsClosedByServerAsync());
    }
}
