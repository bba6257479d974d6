using System.Net;
using System.Net.Http;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Runtime;

public sealed class SwapTests
{
    /// <summary>An upstream that signals when a request arrives and answers only when released.</summary>
    private static UpstreamServer Gated(TaskCompletionSource received, TaskCompletionSource release) =>
        UpstreamServer.StartPerRequest(async (context, request) =>
        {
            if (request.Path.EndsWith("/slow", StringComparison.Ordinal))
            {
                received.TrySetResult();
                await release.Task.WaitAsync(context.Stopping);
                await context.RespondAsync(200, "slow");
                return;
            }

            await Upstreams.EchoAsync(context, request);
        });

    [Fact]
    public async Task Swap_ChangesRoutingForNextRequest_WithoutDroppingInFlightRequest()
    {
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = Gated(received, release);
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority, timeoutMs: 10_000));
        using var slowClient = gateway.CreateClient();
        using var client = gateway.CreateClient();

        using var before = await client.GetAsync("/prod/mock");
        Assert.Equal("hi", await before.Content.ReadAsStringAsync());
        var inFlight = slowClient.GetAsync("/prod/echo/slow");
        await received.Task.WaitAsync(TimeSpan.FromSeconds(10));

        gateway.Runtime.Swap(TestGateway.BuildModel(GatewayConfigs.Standard(upstream.Authority, timeoutMs: 10_000, mockBody: "swapped")));
        using var after = await client.GetAsync("/prod/mock");
        Assert.False(inFlight.IsCompleted);
        release.SetResult();
        using var slow = await inFlight.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("swapped", await after.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, slow.StatusCode);
        Assert.Equal("slow", await slow.Content.ReadAsStringAsync());
        Assert.Equal(1, upstream.AcceptedConnections);
    }

    [Fact]
    public async Task Swap_NewConnectionAfterSwap_SeesNewModel()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        using (var before = gateway.CreateClient())
        {
            Assert.Equal("hi", await before.GetStringAsync("/prod/mock"));
        }

        gateway.Runtime.Swap(TestGateway.BuildModel(GatewayConfigs.Standard(upstream.Authority, mockBody: "swapped")));
        using var after = gateway.CreateClient();

        Assert.Equal("swapped", await after.GetStringAsync("/prod/mock"));
    }

    /// <summary>An idle keep-alive connection must route its next request with the model current when that request arrives.</summary>
    [Fact]
    public async Task Swap_IdleKeepAliveConnection_NextRequestSeesNewModel()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        await using var raw = await gateway.ConnectRawAsync();
        await raw.SendAsync("GET /prod/mock HTTP/1.1\r\nHost: gw\r\n\r\n");
        Assert.Equal("hi", (await raw.ReadResponseAsync()).BodyText);

        gateway.Runtime.Swap(TestGateway.BuildModel(GatewayConfigs.Standard(upstream.Authority, mockBody: "swapped")));
        await raw.SendAsync("GET /prod/mock HTTP/1.1\r\nHost: gw\r\n\r\n");

        Assert.Equal("swapped", (await raw.ReadResponseAsync()).BodyText);
    }

    [Fact]
    public async Task Swap_ToAnotherDestination_InFlightFinishesOnOldOne_NextGoesToNewOne()
    {
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var oldUpstream = Gated(received, release);
        await using var newUpstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(oldUpstream.Authority, timeoutMs: 10_000));
        using var slowClient = gateway.CreateClient();
        using var client = gateway.CreateClient();

        var inFlight = slowClient.GetAsync("/prod/echo/slow");
        await received.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var oldDestination = gateway.Runtime.Upstreams.Find(oldUpstream.Authority)!;

        gateway.Runtime.Swap(TestGateway.BuildModel(GatewayConfigs.Standard(newUpstream.Authority, timeoutMs: 10_000)));
        using var after = await client.GetAsync("/prod/echo/new");
        release.SetResult();
        using var slow = await inFlight.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal("/v1/new", after.Headers.GetValues("x-echo-path").Single());
        Assert.Equal(1, newUpstream.RequestsSeen);
        Assert.Equal("slow", await slow.Content.ReadAsStringAsync());
        Assert.Null(gateway.Runtime.Upstreams.Find(oldUpstream.Authority));
        // A retired destination closes its connection when the lease ends, which may be just after the client
        // has the last byte of the response.
        await Eventually.TrueAsync(() => oldDestination.OpenConnections == 0);

        Assert.Equal(0, oldDestination.OpenConnections);
        Assert.Equal(0, oldDestination.IdleConnections);
    }
}
