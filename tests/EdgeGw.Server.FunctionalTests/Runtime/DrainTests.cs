using System.Net;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Runtime;

public sealed class DrainTests
{
    [Fact]
    public async Task Stop_LetsInFlightRequestFinish_AndClosesIdleConnections()
    {
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = UpstreamServer.StartPerRequest(async (context, request) =>
        {
            received.TrySetResult();
            await release.Task.WaitAsync(context.Stopping);
            await context.RespondAsync(200, "drained");
        });
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority, timeoutMs: 10_000));
        await using var idle = await gateway.ConnectRawAsync();
        await idle.SendAsync("GET /prod/mock HTTP/1.1\r\nHost: gw\r\n\r\n");
        Assert.Equal(200, (await idle.ReadResponseAsync()).Status);
        await using var busy = await gateway.ConnectRawAsync();
        await busy.SendAsync("GET /prod/plain/slow HTTP/1.1\r\nHost: gw\r\n\r\n");
        await received.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var stop = gateway.StopAsync();
        bool idleClosed = await idle.IsClosedByServerAsync(TimeSpan.FromSeconds(5));
        release.SetResult();
        var response = await busy.ReadResponseAsync();
        bool busyClosed = await busy.IsClosedByServerAsync(TimeSpan.FromSeconds(5));
        await stop.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.True(idleClosed, "an idle keep-alive connection stayed open during drain");
        Assert.Equal(200, response.Status);
        Assert.Equal("drained", response.BodyText);
        Assert.True(busyClosed, "the drained connection was not closed after its response");
    }
}
