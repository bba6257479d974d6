using System.Net;
using System.Net.Http;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Http1;

public sealed class ResponseFramingTests
{
    [Fact]
    public async Task Head_Proxied_UpstreamContentLengthWithoutBody_DoesNotWaitForBody()
    {
        await using var upstream = UpstreamServer.StartPerRequest((context, request) =>
            context.WriteAsync(request.Method == "HEAD"
                ? "HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n"
                : "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nget"));
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        await using var raw = await gateway.ConnectRawAsync();

        await raw.SendAsync("HEAD /prod/plain/h HTTP/1.1\r\nHost: gw\r\n\r\nGET /prod/plain/g HTTP/1.1\r\nHost: gw\r\n\r\n");
        var head = await raw.ReadResponseAsync(headRequest: true, timeout: TimeSpan.FromSeconds(5));
        var get = await raw.ReadResponseAsync(timeout: TimeSpan.FromSeconds(5));

        Assert.Equal(200, head.Status);
        Assert.Equal(1234, head.Head.ContentLength);
        Assert.Equal("get", get.BodyText);
        Assert.Equal(1, upstream.AcceptedConnections);
    }

    [Fact]
    public async Task UpstreamInterim100_IsNotRelayed_FinalResponseIs()
    {
        await using var upstream = UpstreamServer.StartPerRequest((context, request) =>
            context.WriteAsync("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone"));
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        await using var raw = await gateway.ConnectRawAsync();

        await raw.SendAsync("POST /prod/plain/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 2\r\n\r\nhi");
        var response = await raw.ReadResponseAsync();

        Assert.Equal(201, response.Status);
        Assert.Equal("done", response.BodyText);
    }

    [Fact]
    public async Task NoContentAndNotModified_HaveNoBody_ConnectionStaysInSync()
    {
        await using var upstream = UpstreamServer.StartPerRequest((context, request) =>
            context.WriteAsync(request.Path.EndsWith("204", StringComparison.Ordinal)
                ? "HTTP/1.1 204 No Content\r\n\r\n"
                : request.Path.EndsWith("304", StringComparison.Ordinal)
                    ? "HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n"
                    : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        await using var raw = await gateway.ConnectRawAsync();

        await raw.SendAsync("GET /prod/plain/204 HTTP/1.1\r\nHost: gw\r\n\r\nGET /prod/plain/304 HTTP/1.1\r\nHost: gw\r\n\r\nGET /prod/plain/200 HTTP/1.1\r\nHost: gw\r\n\r\n");
        var noContent = await raw.ReadResponseAsync(timeout: TimeSpan.FromSeconds(5));
        var notModified = await raw.ReadResponseAsync(timeout: TimeSpan.FromSeconds(5));
        var ok = await raw.ReadResponseAsync(timeout: TimeSpan.FromSeconds(5));

        Assert.Equal(204, noContent.Status);
        Assert.False(noContent.Head.IsChunked);
        Assert.Equal(304, notModified.Status);
        Assert.Equal("\"x\"", notModified.Header("ETag"));
        Assert.Equal("ok", ok.BodyText);
        Assert.Equal(1, upstream.AcceptedConnections);
    }

    [Fact]
    public async Task UpstreamConnectionClose_ConnectionIsNotReused()
    {
        await using var upstream = UpstreamServer.StartPerRequest((context, request) =>
            context.RespondAsync(200, "ok", ("Connection", "close")));
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        using var client = gateway.CreateClient();

        using var first = await client.GetAsync("/prod/plain/1");
        using var second = await client.GetAsync("/prod/plain/2");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.False(first.Headers.ConnectionClose ?? false, "the upstream's Connection: close leaked to the client");
        Assert.Equal(2, upstream.AcceptedConnections);
        Assert.Equal(2, gateway.Runtime.Upstreams.Find(upstream.Authority)!.OpenedConnections);
    }

    [Fact]
    public async Task PercentEncodedCapture_IsForwardedRaw()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        await using var raw = await gateway.ConnectRawAsync();

        await raw.SendAsync("GET /prod/echo/a%2Fb/c%20d?x=%26 HTTP/1.1\r\nHost: gw\r\n\r\n");
        var response = await raw.ReadResponseAsync();

        Assert.Equal(200, response.Status);
        Assert.Equal("/v1/a%2Fb/c%20d", response.Header("x-echo-path"));
        Assert.Equal("?x=%26", response.Header("x-echo-query"));
    }

    [Fact]
    public async Task InvalidClientRequestId_IsReplacedByAGeneratedOne()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        await using var raw = await gateway.ConnectRawAsync();

        await raw.SendAsync("GET /prod/echo/id HTTP/1.1\r\nHost: gw\r\nX-Request-Id: bad id<script>\r\n\r\n");
        var response = await raw.ReadResponseAsync();

        Assert.Equal(200, response.Status);
        var id = response.Header("X-Request-Id");
        Assert.False(string.IsNullOrEmpty(id));
        Assert.DoesNotContain("script", id, StringComparison.Ordinal);
        Assert.Equal(id, response.Header("x-echo-x-request-id"));
        Assert.Single(upstream.Requests.Single().Head.GetAll("X-Request-Id"));
    }

    [Fact]
    public async Task ConcurrentRequests_AllSucceed_AndPoolSettles()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        using var client = gateway.CreateClient();

        var responses = await Task.WhenAll(Enumerable.Range(0, 32).Select(async i =>
        {
            using var response = await client.GetAsync($"/prod/echo/c{i}");
            return (response.StatusCode, Path: response.Headers.GetValues("x-echo-path").Single(), i);
        }));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.All(responses, r => Assert.Equal($"/v1/c{r.i}", r.Path));
        var destination = gateway.Runtime.Upstreams.Find(upstream.Authority)!;
        Assert.Equal(0, destination.LeasedConnections);
        Assert.Equal(destination.OpenConnections, destination.IdleConnections);
        Assert.InRange(upstream.AcceptedConnections, 1, 32);
    }
}
