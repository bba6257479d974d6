using System.Net;
using System.Net.Sockets;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Reliability;

/// <summary>A client that goes away mid-request or mid-response leaves nothing behind: no lease, no dirty pooled connection.</summary>
public sealed class ClientDisconnectTests
{
    [Fact]
    public async Task DisconnectMidRequestBody_DiscardsTheUpstreamConnection()
    {
        var upstreamClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = UpstreamServer.Start(async context =>
        {
            await context.Reader.ReadHeadAsync(context.Stopping);
            // Never answers: the gateway must give up on this connection when its client leaves.
            await context.WaitForPeerCloseAsync();
            upstreamClosed.TrySetResult();
        });
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));

        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync(IPAddress.Loopback, gateway.Port);
            await socket.SendAsync("POST /prod/echo/up HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n"u8.ToArray());
            await socket.SendAsync(new byte[1000]);
            await Eventually.TrueAsync(() => upstream.AcceptedConnections == 1);
        }

        await upstreamClosed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var destination = gateway.Runtime.Upstreams.Find(upstream.Authority)!;
        Assert.True(await Eventually.TrueAsync(() => destination.LeasedConnections == 0 && destination.OpenConnections == 0 && gateway.Runtime.ActiveConnections == 0),
            $"leased {destination.LeasedConnections}, open {destination.OpenConnections}, client connections {gateway.Runtime.ActiveConnections}");
        Assert.Equal(0, destination.IdleConnections);
    }

    [Fact]
    public async Task DisconnectMidResponse_DiscardsTheUpstreamConnection_AndTheNextRequestIsClean()
    {
        await using var upstream = Upstreams.LargeBody(64L * 1024 * 1024);
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));

        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync(IPAddress.Loopback, gateway.Port);
            await socket.SendAsync("GET /prod/echo/big HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
            var buffer = new byte[65536];
            int received = 0;
            while (received < 256 * 1024)
            {
                received += await socket.ReceiveAsync(buffer);
            }
        }

        var destination = gateway.Runtime.Upstreams.Find(upstream.Authority)!;
        Assert.True(await Eventually.TrueAsync(() => destination.LeasedConnections == 0 && destination.OpenConnections == 0 && gateway.Runtime.ActiveConnections == 0),
            $"leased {destination.LeasedConnections}, open {destination.OpenConnections}, client connections {gateway.Runtime.ActiveConnections}");

        // The next client gets a whole, correct response on a fresh upstream connection.
        using var client = gateway.CreateClient();
        using var response = await client.GetAsync("/prod/echo/big", System.Net.Http.HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        long total = 0;
        var chunk = new byte[1 << 16];
        int read;
        while ((read = await body.ReadAsync(chunk)) > 0)
        {
            total += read;
        }

        Assert.Equal(64L * 1024 * 1024, total);
        Assert.Equal(2, destination.OpenedConnections);
    }
}
