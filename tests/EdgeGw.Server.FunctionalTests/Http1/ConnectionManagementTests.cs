using System.Text;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Http1;

public sealed class ConnectionManagementTests
{
    [Fact]
    public async Task Http10_WithoutKeepAlive_ClosesAfterResponse()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        await using var raw = await gateway.ConnectRawAsync();

        await raw.SendAsync("GET /prod/mock HTTP/1.0\r\n\r\n");
        var response = await raw.ReadResponseAsync();

        Assert.Equal(200, response.Status);
        Assert.Equal("hi", response.BodyText);
        Assert.True(await raw.IsClosedByServerAsync());
    }

    [Fact]
    public async Task Http10_ProxiedWithoutKeepAlive_ClosesAfterResponse()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        await using var raw = await gateway.ConnectRawAsync();

        await raw.SendAsync("GET /prod/echo/ten HTTP/1.0\r\n\r\n");
        var response = await raw.ReadResponseAsync();

        Assert.Equal(200, response.Status);
        Assert.Equal("/v1/ten", response.Header("x-echo-path"));
        Assert.True(await raw.IsClosedByServerAsync());
    }

    [Fact]
    public async Task Http10_WithKeepAlive_StaysOpenAndSaysSo()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        await using var raw = await gateway.ConnectRawAsync();

        await raw.SendAsync("GET /prod/mock HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        var first = await raw.ReadResponseAsync();
        await raw.SendAsync("GET /prod/echo/k HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        var second = await raw.ReadResponseAsync();

        Assert.Equal(200, first.Status);
        Assert.True(first.Head.ConnectionHas("keep-alive"));
        Assert.Equal(200, second.Status);
        Assert.True(second.Head.ConnectionHas("keep-alive"));
    }

    [Fact]
    public async Task Http11_ConnectionClose_ClosesAfterResponse()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        await using var raw = await gateway.ConnectRawAsync();

        await raw.SendAsync("GET /prod/echo/c HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n");
        var response = await raw.ReadResponseAsync();

        Assert.Equal(200, response.Status);
        Assert.True(response.Head.ConnectionHas("close"));
        Assert.True(await raw.IsClosedByServerAsync());
    }

    [Fact]
    public async Task ExpectContinue_Gets100BeforeBody_ThenFinalResponse()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        await using var raw = await gateway.ConnectRawAsync();

        await raw.SendAsync("POST /prod/echo/expect HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
        var interim = await raw.ReadResponseAsync();
        await raw.SendAsync("hello");
        var final = await raw.ReadResponseAsync();

        Assert.Equal(100, interim.Status);
        Assert.Equal("HTTP/1.1 100 Continue", interim.Head.StartLine);
        Assert.Equal(200, final.Status);
        Assert.Equal("hello", final.BodyText);
        var seen = Assert.Single(upstream.Requests);
        Assert.False(seen.Head.Has("Expect"));
        Assert.Equal("hello", Encoding.ASCII.GetString(seen.Body!));
    }

    [Fact]
    public async Task ExpectContinue_OverBodyLimit_Gets413Without100()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        await using var raw = await gateway.ConnectRawAsync();

        await raw.SendAsync("POST /prod/small/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n");
        var response = await raw.ReadResponseAsync();

        Assert.Equal(413, response.Status);
        Assert.Equal(0, upstream.RequestsSeen);
    }
}
