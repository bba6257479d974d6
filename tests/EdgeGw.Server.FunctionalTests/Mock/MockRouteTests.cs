using System.Globalization;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Mock;

public sealed class MockRouteTests
{
    [Fact]
    public async Task Get_ReturnsConfiguredStatusHeadersBodyAndDate()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        await using var raw = await gateway.ConnectRawAsync();

        await raw.SendAsync("GET /prod/mock HTTP/1.1\r\nHost: gw\r\n\r\n");
        var response = await raw.ReadResponseAsync();

        Assert.Equal("HTTP/1.1 200 OK", response.Head.StartLine);
        Assert.Equal("hi", response.BodyText);
        Assert.Equal(2, response.Head.ContentLength);
        Assert.Equal("text/plain", response.Header("content-type"));
        var date = DateTimeOffset.ParseExact(response.Header("Date")!, "r", CultureInfo.InvariantCulture);
        Assert.InRange(date, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1));
        Assert.False(string.IsNullOrEmpty(response.Header("X-Request-Id")));
        Assert.Single(response.Head.GetAll("Content-Length"));
        Assert.Equal(0, upstream.RequestsSeen);
    }

    [Fact]
    public async Task Head_HasNoBodyButSameContentLength()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        await using var raw = await gateway.ConnectRawAsync();

        // A HEAD answer carrying body bytes would corrupt the framing of the GET that follows on the connection.
        await raw.SendAsync("HEAD /prod/mock HTTP/1.1\r\nHost: gw\r\n\r\nGET /prod/mock HTTP/1.1\r\nHost: gw\r\n\r\n");
        var head = await raw.ReadResponseAsync(headRequest: true);
        var get = await raw.ReadResponseAsync();

        Assert.Equal(200, head.Status);
        Assert.Equal(2, head.Head.ContentLength);
        Assert.NotNull(head.Header("Date"));
        Assert.Equal("HTTP/1.1 200 OK", get.Head.StartLine);
        Assert.Equal("hi", get.BodyText);
    }

    [Fact]
    public async Task PostWithBody_ToAnyMockRoute_BodyIsDrainedAndConnectionReused()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        await using var raw = await gateway.ConnectRawAsync();

        await raw.SendAsync("GET /prod/mock HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\n\r\nhelloGET /prod/mock HTTP/1.1\r\nHost: gw\r\n\r\n");
        var first = await raw.ReadResponseAsync();
        var second = await raw.ReadResponseAsync();

        Assert.Equal("hi", first.BodyText);
        Assert.Equal("hi", second.BodyText);
    }
}
