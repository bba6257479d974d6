using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Http1;

public sealed class MalformedRequestTests
{
    public static TheoryData<string, string, int> Cases() => new()
    {
        { "both Content-Length and Transfer-Encoding", "POST /prod/echo/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400 },
        { "two different Content-Length", "POST /prod/echo/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400 },
        { "obs-fold", "GET /prod/mock HTTP/1.1\r\nHost: gw\r\nX-A: b\r\n c\r\n\r\n", 400 },
        { "space before colon", "GET /prod/mock HTTP/1.1\r\nHost: gw\r\nX-A : b\r\n\r\n", 400 },
        { "bare LF", "GET /prod/mock HTTP/1.1\nHost: gw\n\n", 400 },
        { "bare LF in a header line", "GET /prod/mock HTTP/1.1\r\nHost: gw\nX-A: b\r\n\r\n", 400 },
        { "NUL in header value", "GET /prod/mock HTTP/1.1\r\nHost: gw\r\nX-A: b\0c\r\n\r\n", 400 },
        { "missing Host on 1.1", "GET /prod/mock HTTP/1.1\r\nX-A: b\r\n\r\n", 400 },
        { "duplicate Host", "GET /prod/mock HTTP/1.1\r\nHost: gw\r\nHost: other\r\n\r\n", 400 },
        { "invalid chunk size on a proxied route", "POST /prod/echo/x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400 },
        { "invalid chunk size on a mock route", "GET /prod/mock HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n5x\r\nhello\r\n0\r\n\r\n", 400 },
        { "oversized header section", "GET /prod/mock HTTP/1.1\r\nHost: gw\r\nX-Big: " + new string('a', 40_000) + "\r\n\r\n", 431 },
        { "request line over the limit", "GET /prod/mock?" + new string('q', 9000) + " HTTP/1.1\r\nHost: gw\r\n\r\n", 414 },
        { "Content-Length over the route's maxBodyBytes", "POST /prod/small/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 17\r\n\r\n12345678901234567", 413 },
        { "chunked body over the route's maxBodyBytes", "POST /prod/small/x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n11\r\n12345678901234567\r\n0\r\n\r\n", 413 },
        { "invalid Content-Length", "POST /prod/echo/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 5a\r\n\r\nhello", 400 },
        { "negative Content-Length", "POST /prod/echo/x HTTP/1.1\r\nHost: gw\r\nContent-Length: -1\r\n\r\n", 400 },
        { "Content-Length list", "POST /prod/echo/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 5, 5\r\n\r\nhello", 400 },
        { "Transfer-Encoding not ending in chunked", "POST /prod/echo/x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400 },
        { "dot segment in path", "GET /prod/echo/../mock HTTP/1.1\r\nHost: gw\r\n\r\n", 400 },
        { "invalid method token", "G@T /prod/mock HTTP/1.1\r\nHost: gw\r\n\r\n", 400 },
        { "garbage version", "GET /prod/mock HTTX/1.1\r\nHost: gw\r\n\r\n", 400 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task MalformedRequest_IsRejected_ConnectionClosed_AndGatewayKeepsServing(string name, string request, int expectedStatus)
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        await using (var raw = await gateway.ConnectRawAsync())
        {
            await raw.SendAsync(request);
            var response = await raw.ReadResponseAsync();

            Assert.True(expectedStatus == response.Status, $"{name}: expected {expectedStatus}, got {response}");
            Assert.StartsWith("application/json", response.Header("Content-Type"), StringComparison.Ordinal);
            Assert.StartsWith("{\"message\":", response.BodyText, StringComparison.Ordinal);
            Assert.True(response.Head.ConnectionHas("close"), $"{name}: no Connection: close");
            Assert.True(await raw.IsClosedByServerAsync(), $"{name}: connection not closed");
        }

        await using var fresh = await gateway.ConnectRawAsync();
        await fresh.SendAsync("GET /prod/mock HTTP/1.1\r\nHost: gw\r\n\r\n");
        var ok = await fresh.ReadResponseAsync();
        Assert.Equal(200, ok.Status);
        Assert.Equal("hi", ok.BodyText);
    }

    [Fact]
    public async Task RejectedProxiedRequest_DoesNotLeakAHalfRequestIntoTheUpstreamPool()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        await using (var raw = await gateway.ConnectRawAsync())
        {
            await raw.SendAsync("POST /prod/echo/x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n");
            var rejected = await raw.ReadResponseAsync();
            Assert.Equal(400, rejected.Status);
        }

        using var client = gateway.CreateClient();
        using var response = await client.GetAsync("/prod/echo/after");

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/v1/after", response.Headers.GetValues("x-echo-path").Single());
        Assert.Equal(0, gateway.Runtime.Upstreams.Find(upstream.Authority)!.LeasedConnections);
    }
}
