using System.Net;
using System.Net.Http;
using System.Text;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Http1;

public sealed class ProxyTests
{
    private static string Single(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : throw new Xunit.Sdk.XunitException($"Missing response header {name}");

    [Fact]
    public async Task Get_ThroughProxy_RewritesPathWithStageVariableAndAddsForwardingHeaders()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync("/prod/echo/a/b?x=1&y=two");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("", await response.Content.ReadAsStringAsync());
        Assert.Equal("GET", Single(response, "x-echo-method"));
        Assert.Equal("/v1/a/b", Single(response, "x-echo-path"));
        Assert.Equal("?x=1&y=two", Single(response, "x-echo-query"));
        Assert.Equal(upstream.Authority, Single(response, "x-echo-host"));
        Assert.Equal("127.0.0.1", Single(response, "x-echo-x-forwarded-for"));
        Assert.Equal("http", Single(response, "x-echo-x-forwarded-proto"));
        Assert.Equal($"127.0.0.1:{gateway.Port}", Single(response, "x-echo-x-forwarded-host"));
        string requestId = Single(response, "X-Request-Id");
        Assert.False(string.IsNullOrWhiteSpace(requestId));
        Assert.Equal(requestId, Single(response, "x-echo-x-request-id"));
        var seen = Assert.Single(upstream.Requests);
        Assert.Equal("HTTP/1.1", seen.Version);
        Assert.Single(seen.Head.GetAll("Host"));
        Assert.Single(seen.Head.GetAll("X-Request-Id"));
    }

    [Fact]
    public async Task Get_GeneratesDistinctRequestIds()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        using var client = gateway.CreateClient();

        using var first = await client.GetAsync("/prod/echo/1");
        using var second = await client.GetAsync("/prod/echo/2");

        Assert.NotEqual(Single(first, "X-Request-Id"), Single(second, "X-Request-Id"));
    }

    [Fact]
    public async Task Get_ClientRequestId_IsPreservedUpstreamAndEchoed()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        using var client = gateway.CreateClient();
        using var request = new HttpRequestMessage(System.Net.Http.HttpMethod.Get, "/prod/echo/id");
        request.Headers.Add("X-Request-Id", "client-id-42");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("client-id-42", Single(response, "X-Request-Id"));
        Assert.Equal("client-id-42", Single(response, "x-echo-x-request-id"));
    }

    [Fact]
    public async Task Get_ExistingXForwardedFor_IsAppendedTo()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        using var client = gateway.CreateClient();
        using var request = new HttpRequestMessage(System.Net.Http.HttpMethod.Get, "/prod/echo/xff");
        request.Headers.Add("X-Forwarded-For", "10.0.0.1");

        using var response = await client.SendAsync(request);

        Assert.Equal("10.0.0.1, 127.0.0.1", Single(response, "x-echo-x-forwarded-for"));
    }

    [Fact]
    public async Task Get_RouteWithoutUri_ForwardsPathWithoutStagePrefix()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync("/prod/plain/c/d?q=%20z");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/plain/c/d", Single(response, "x-echo-path"));
        Assert.Equal("?q=%20z", Single(response, "x-echo-query"));
    }

    [Fact]
    public async Task UnknownRoute_Returns404Json_AndKeepsConnection()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        await using var raw = await gateway.ConnectRawAsync();

        await raw.SendAsync("GET /prod/nope HTTP/1.1\r\nHost: gw\r\n\r\n");
        var notFound = await raw.ReadResponseAsync();
        await raw.SendAsync("GET /nostage HTTP/1.1\r\nHost: gw\r\n\r\n");
        var noStage = await raw.ReadResponseAsync();
        await raw.SendAsync("GET /prod/mock HTTP/1.1\r\nHost: gw\r\n\r\n");
        var ok = await raw.ReadResponseAsync();

        Assert.Equal(404, notFound.Status);
        Assert.Equal("""{"message":"Not Found"}""", notFound.BodyText);
        Assert.StartsWith("application/json", notFound.Header("Content-Type"), StringComparison.Ordinal);
        Assert.Equal(404, noStage.Status);
        Assert.Equal(200, ok.Status);
        Assert.Equal(0, upstream.RequestsSeen);
    }

    [Fact]
    public async Task HopByHopHeaders_AreRemovedInBothDirections()
    {
        await using var upstream = UpstreamServer.StartPerRequest((context, request) => context.RespondAsync(200, "ok",
            ("Connection", "X-Resp-Secret"),
            ("Keep-Alive", "timeout=5"),
            ("Proxy-Authenticate", "Basic"),
            ("Proxy-Connection", "keep-alive"),
            ("Upgrade", "h2c"),
            ("Trailer", "X-Foo"),
            ("X-Resp-Secret", "s"),
            ("X-Resp-Kept", "yes")));
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        await using var raw = await gateway.ConnectRawAsync();

        await raw.SendAsync(
            "GET /prod/plain/hop HTTP/1.1\r\n" +
            "Host: gw\r\n" +
            "Connection: keep-alive, X-Secret\r\n" +
            "Keep-Alive: timeout=5\r\n" +
            "TE: trailers\r\n" +
            "Trailer: X-Foo\r\n" +
            "Upgrade: h2c\r\n" +
            "Proxy-Authorization: Basic YTpi\r\n" +
            "Proxy-Connection: keep-alive\r\n" +
            "X-Secret: s\r\n" +
            "X-Kept: yes\r\n" +
            "\r\n");
        var response = await raw.ReadResponseAsync();

        Assert.Equal(200, response.Status);
        Assert.Equal("ok", response.BodyText);
        var seen = Assert.Single(upstream.Requests);
        foreach (var name in (string[])["Connection", "Keep-Alive", "TE", "Trailer", "Upgrade", "Proxy-Authorization", "Proxy-Connection", "X-Secret"])
        {
            Assert.False(seen.Head.Has(name), $"{name} reached the upstream:\n{seen.RawHead}");
        }

        Assert.Equal("yes", seen.Header("X-Kept"));
        foreach (var name in (string[])["Keep-Alive", "Proxy-Authenticate", "Proxy-Connection", "Upgrade", "Trailer", "X-Resp-Secret"])
        {
            Assert.False(response.Head.Has(name), $"{name} reached the client");
        }

        Assert.False(response.Head.ConnectionHas("X-Resp-Secret"));
        Assert.Equal("yes", response.Header("X-Resp-Kept"));
    }

    [Fact]
    public async Task Post_ContentLengthBody_ReachesUpstreamUnchanged()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        using var client = gateway.CreateClient();
        var body = new byte[100_000];
        TestData.Fill(body, 7);

        using var response = await client.PostAsync("/prod/echo/post", new ByteArrayContent(body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsByteArrayAsync());
        var seen = Assert.Single(upstream.Requests);
        Assert.Equal("POST", seen.Method);
        Assert.Equal(body, seen.Body);
        Assert.Equal(body.Length, seen.Head.ContentLength);
        Assert.False(seen.WasChunked);
    }

    [Fact]
    public async Task Post_ChunkedBody_IsReEncodedWithoutExtensionsOrTrailers()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        await using var raw = await gateway.ConnectRawAsync();

        await raw.SendAsync(
            "POST /prod/echo/chunked HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n" +
            "5;ext=1\r\nhello\r\n" +
            "6\r\n world\r\n" +
            "0\r\nX-Trailer: t\r\n\r\n");
        var response = await raw.ReadResponseAsync();

        Assert.Equal(200, response.Status);
        Assert.Equal("hello world", response.BodyText);
        var seen = Assert.Single(upstream.Requests);
        Assert.True(seen.WasChunked);
        Assert.False(seen.Head.Has("Content-Length"));
        Assert.Equal("hello world", Encoding.ASCII.GetString(seen.Body!));
    }

    [Fact]
    public async Task Post_ChunkedBodyViaHttpClient_ReachesUpstream()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        using var client = gateway.CreateClient();
        var body = new byte[300_000];
        TestData.Fill(body, 3);
        using var content = new StreamContent(new MemoryStream(body));
        using var request = new HttpRequestMessage(System.Net.Http.HttpMethod.Post, "/prod/echo/streamed") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsByteArrayAsync());
        Assert.True(Assert.Single(upstream.Requests).WasChunked);
    }

    [Fact]
    public async Task ChunkedUpstreamResponse_IsRelayedChunkedToHttp11Client()
    {
        await using var upstream = Upstreams.Chunked("hello", " ", "world");
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        await using var raw = await gateway.ConnectRawAsync();

        await raw.SendAsync("GET /prod/plain/c HTTP/1.1\r\nHost: gw\r\n\r\nGET /prod/plain/c HTTP/1.1\r\nHost: gw\r\n\r\n");
        var first = await raw.ReadResponseAsync();
        var second = await raw.ReadResponseAsync();

        Assert.True(first.Head.IsChunked);
        Assert.Equal("hello world", first.BodyText);
        Assert.Equal("hello world", second.BodyText);
        Assert.Equal(1, upstream.AcceptedConnections);
    }

    [Fact]
    public async Task CloseDelimitedUpstreamResponse_IsChunkedToHttp11Client_AndConnectionSurvives()
    {
        await using var upstream = Upstreams.CloseDelimited("until close");
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        await using var raw = await gateway.ConnectRawAsync();

        await raw.SendAsync("GET /prod/plain/cd HTTP/1.1\r\nHost: gw\r\n\r\n");
        var first = await raw.ReadResponseAsync();
        await raw.SendAsync("GET /prod/plain/cd HTTP/1.1\r\nHost: gw\r\n\r\n");
        var second = await raw.ReadResponseAsync();

        Assert.Equal(200, first.Status);
        Assert.True(first.Head.IsChunked);
        Assert.Equal("until close", first.BodyText);
        Assert.Equal("until close", second.BodyText);
        Assert.Equal(2, upstream.AcceptedConnections);
    }

    [Fact]
    public async Task ChunkedUpstreamResponse_ToHttp10Client_IsRawAndClosed()
    {
        await using var upstream = Upstreams.Chunked("hello", " ", "world");
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        await using var raw = await gateway.ConnectRawAsync();

        await raw.SendAsync("GET /prod/plain/c HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        var response = await raw.ReadResponseAsync();

        Assert.Equal(200, response.Status);
        Assert.False(response.Head.IsChunked);
        Assert.Null(response.Head.ContentLength);
        Assert.Equal("hello world", response.BodyText);
    }
}
