using System.Diagnostics;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Http1;

public sealed class TimeoutTests
{
    [Fact]
    public async Task IdleKeepAliveConnection_IsClosedAfterKeepAliveTimeout()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority, keepAliveTimeoutSeconds: 1));
        await using var raw = await gateway.ConnectRawAsync();
        await raw.SendAsync("GET /prod/mock HTTP/1.1\r\nHost: gw\r\n\r\n");
        Assert.Equal(200, (await raw.ReadResponseAsync()).Status);

        var watch = Stopwatch.StartNew();
        bool closed = await raw.IsClosedByServerAsync(TimeSpan.FromSeconds(5));

        Assert.True(closed, "idle keep-alive connection was not closed");
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(4));
    }

    [Fact]
    public async Task IncompleteHead_Gets408AndClose_AfterRequestHeadTimeout()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority, requestHeadTimeoutSeconds: 1));
        await using var raw = await gateway.ConnectRawAsync();

        await raw.SendAsync("GET /prod/mock HTTP/1.1\r\nHost: gw\r\n");
        var response = await raw.ReadResponseAsync(timeout: TimeSpan.FromSeconds(5));

        Assert.Equal(408, response.Status);
        Assert.True(await raw.IsClosedByServerAsync());
    }

    [Fact]
    public async Task StalledRequestBody_Gets408AndClose_AfterRequestHeadTimeout()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority, requestHeadTimeoutSeconds: 1));
        await using var raw = await gateway.ConnectRawAsync();

        await raw.SendAsync("POST /prod/echo/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 10\r\n\r\nhalf");
        var response = await raw.ReadResponseAsync(timeout: TimeSpan.FromSeconds(5));

        Assert.Equal(408, response.Status);
        Assert.True(await raw.IsClosedByServerAsync());
        Assert.Equal(0, gateway.Runtime.Upstreams.Find(upstream.Authority)!.IdleConnections);
    }
}
