using System.Diagnostics;
using System.Net;
using System.Net.Http;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Upstream;

public sealed class UpstreamFailureTests
{
    [Fact]
    public async Task UpstreamRefused_Returns502Json()
    {
        int port = Upstreams.RefusedPort();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard($"127.0.0.1:{port}"));
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync("/prod/echo/x");
        using var again = await client.GetAsync("/prod/mock");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("""{"message":"Bad Gateway"}""", await response.Content.ReadAsStringAsync());
        Assert.True(response.Headers.Contains("X-Request-Id"));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task UpstreamConnectHangs_Returns504AfterConnectTimeout_AndLeavesNoConnection()
    {
        using var upstream = await Upstreams.Unanswered();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority, connectTimeoutMs: 300));
        using var client = gateway.CreateClient();

        var watch = Stopwatch.StartNew();
        using var response = await client.GetAsync("/prod/echo/x");
        watch.Stop();
        using var mock = await client.GetAsync("/prod/mock");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("""{"message":"Gateway Timeout"}""", await response.Content.ReadAsStringAsync());
        // Without the connect timeout the connect would hang until the client's own 20 s timeout.
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
        Assert.Equal(HttpStatusCode.OK, mock.StatusCode);
        var destination = gateway.Runtime.Upstreams.Find(upstream.Authority)!;
        Assert.Equal(0, destination.OpenConnections);
        Assert.Equal(0, destination.LeasedConnections);
    }

    [Fact]
    public async Task UpstreamStalls_Returns504WithinRouteTimeout()
    {
        await using var upstream = Upstreams.Stalling();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority, timeoutMs: 500));
        using var client = gateway.CreateClient();

        var watch = Stopwatch.StartNew();
        using var response = await client.GetAsync("/prod/echo/slow");
        watch.Stop();

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("""{"message":"Gateway Timeout"}""", await response.Content.ReadAsStringAsync());
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(400), TimeSpan.FromSeconds(5));
        Assert.Equal(1, upstream.RequestsSeen);
        var destination = gateway.Runtime.Upstreams.Find(upstream.Authority)!;
        Assert.Equal(0, destination.LeasedConnections);
        Assert.Equal(0, destination.IdleConnections);
    }

    [Fact]
    public async Task UpstreamStallsWithRequestBody_Returns504()
    {
        await using var upstream = Upstreams.Stalling();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority, timeoutMs: 500));
        using var client = gateway.CreateClient();

        using var response = await client.PostAsync("/prod/echo/slow", new StringContent("payload"));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
    }

    [Fact]
    public async Task MalformedUpstreamResponse_Returns502_DiscardsConnection_AndKeepsServing()
    {
        var closedByGateway = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = Upstreams.Malformed(closedByGateway);
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        await using var raw = await gateway.ConnectRawAsync();

        await raw.SendAsync("GET /prod/echo/bad HTTP/1.1\r\nHost: gw\r\n\r\n");
        var bad = await raw.ReadResponseAsync();
        bool closed = await closedByGateway.Task.WaitAsync(TimeSpan.FromSeconds(5));
        await raw.SendAsync("GET /prod/mock HTTP/1.1\r\nHost: gw\r\n\r\n");
        var next = await raw.ReadResponseAsync();

        Assert.Equal(502, bad.Status);
        Assert.Equal("""{"message":"Bad Gateway"}""", bad.BodyText);
        Assert.True(closed, "the gateway did not close the upstream connection that sent garbage");
        Assert.Equal(200, next.Status);
        var destination = gateway.Runtime.Upstreams.Find(upstream.Authority)!;
        Assert.Equal(0, destination.OpenConnections);
        Assert.Equal(0, destination.IdleConnections);
    }

    [Fact]
    public async Task UpstreamDiesMidBody_ClientConnectionIsCut()
    {
        await using var upstream = UpstreamServer.StartPerRequest(async (context, request) =>
        {
            await context.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly-part");
            context.Close();
        });
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        await using var raw = await gateway.ConnectRawAsync();

        await raw.SendAsync("GET /prod/plain/cut HTTP/1.1\r\nHost: gw\r\n\r\n");

        await Assert.ThrowsAsync<EndOfStreamException>(() => raw.ReadResponseAsync());
        var destination = gateway.Runtime.Upstreams.Find(upstream.Authority)!;
        Assert.Equal(0, destination.IdleConnections);
    }

    [Fact]
    public async Task UpstreamSendsMoreThanContentLength_ConnectionIsNotReused()
    {
        await using var upstream = UpstreamServer.StartPerRequest(async (context, request) =>
            await context.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA"));
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        using var client = gateway.CreateClient();

        using var first = await client.GetAsync("/prod/plain/1");
        Assert.Equal("ok", await first.Content.ReadAsStringAsync());
        await upstream.WaitForRequestsAsync(1);
        using var second = await client.GetAsync("/prod/plain/2");

        var destination = gateway.Runtime.Upstreams.Find(upstream.Authority)!;
        Assert.True(second.StatusCode == HttpStatusCode.OK, $"second: {(int)second.StatusCode}; upstream accepted {upstream.AcceptedConnections}, saw {upstream.RequestsSeen} requests; gateway opened {destination.OpenedConnections}");
        Assert.Equal("ok", await second.Content.ReadAsStringAsync());
        Assert.Equal(2, upstream.AcceptedConnections);
    }
}

public sealed class UpstreamFailureDuringRequestBodyTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>
    /// The upstream reads the head and hangs up (RST) while the client is still sending a 4 MiB body. The gateway
    /// answers 502; since the rest of the body was never read, the client connection must close — otherwise
    /// the leftover body bytes would be parsed as the next request (here they are requests: smuggling).
    /// The client sends the head and a first slice of the body, then the rest only once the upstream has hung
    /// up: without that order a loaded machine could move the whole body into the loopback socket buffers before
    /// the upstream's close, and the gateway would rightly answer 502 on a connection whose framing is intact
    /// (<see cref="UpstreamClosesAfterWholeBody_Returns502AndKeepsFraming"/>).
    /// </summary>
    [Fact]
    public async Task UpstreamClosesDuringRequestBody_Returns502AndClosesClientConnection()
    {
        var upstreamClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = UpstreamServer.Start(async context =>
        {
            await context.Reader.ReadHeadAsync(context.Stopping);
            context.Socket.LingerState = new System.Net.Sockets.LingerOption(true, 0);
            context.Close();
            upstreamClosed.TrySetResult();
        });
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        await using var raw = await gateway.ConnectRawAsync();
        var body = SmuggledRequests(4 * 1024 * 1024);
        const int firstSlice = 16 * 1024;

        var send = Task.Run(async () =>
        {
            try
            {
                await raw.SendAsync($"POST /prod/plain/up HTTP/1.1\r\nHost: gw\r\nContent-Length: {body.Length}\r\n\r\n{body[..firstSlice]}");
                await upstreamClosed.Task.WaitAsync(TimeSpan.FromSeconds(30));
                await raw.SendAsync(body[firstSlice..]);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or System.Net.Sockets.SocketException)
            {
                // The gateway may close before the whole body is written.
            }
        });

        var response = await raw.ReadResponseAsync(timeout: TimeSpan.FromSeconds(30));
        // A smuggled request's answer would arrive at once and end the wait as "not closed".
        var clock = System.Diagnostics.Stopwatch.StartNew();
        bool closed = await raw.IsClosedByServerAsync(TimeSpan.FromSeconds(10));
        output.WriteLine($"closed={closed} after {clock.Elapsed.TotalMilliseconds:F0} ms; gateway connections still open: {gateway.Runtime.ActiveConnections}");
        await send;

        Assert.Equal(502, response.Status);
        Assert.Equal("close", response.Header("Connection"));
        Assert.True(closed, "after a 502 mid-body the gateway kept the connection and read body bytes as requests");
    }

    /// <summary>
    /// The upstream takes the whole body, then hangs up without answering: the gateway read the body to its end,
    /// so it answers 502 and the connection may stay open — but the body's bytes are never parsed as requests,
    /// and the next real request on the connection is served.
    /// </summary>
    [Fact]
    public async Task UpstreamClosesAfterWholeBody_Returns502AndKeepsFraming()
    {
        await using var upstream = UpstreamServer.Start(async context =>
        {
            var request = await context.ReadRequestAsync();
            if (request is null || request.Target.EndsWith("/up", StringComparison.Ordinal))
            {
                context.Socket.LingerState = new System.Net.Sockets.LingerOption(true, 0);
                context.Close();
                return;
            }

            await context.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext");
        });
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        await using var raw = await gateway.ConnectRawAsync();
        var body = SmuggledRequests(64 * 1024);

        await raw.SendAsync($"POST /prod/plain/up HTTP/1.1\r\nHost: gw\r\nContent-Length: {body.Length}\r\n\r\n{body}");
        var response = await raw.ReadResponseAsync();
        Assert.Equal(502, response.Status);
        Assert.Null(response.Header("Connection"));

        await raw.SendAsync("GET /prod/plain/after HTTP/1.1\r\nHost: gw\r\n\r\n");
        var next = await raw.ReadResponseAsync();
        Assert.Equal(200, next.Status);
        Assert.Equal("next", next.BodyText);
    }

    /// <summary>A body made of whole mock requests: any of it parsed as a request would be answered at once.</summary>
    private static string SmuggledRequests(int length)
    {
        const string smuggled = "GET /prod/mock HTTP/1.1\r\nHost: gw\r\n\r\n";
        var body = new System.Text.StringBuilder(length + smuggled.Length);
        while (body.Length < length)
        {
            body.Append(smuggled);
        }

        return body.ToString();
    }
}

public sealed class ClientAndUpstreamDisagreementTests
{
    /// <summary>The client hangs up mid-response: the upstream connection (mid-body, out of sync) must be closed, not pooled.</summary>
    [Fact]
    public async Task ClientAbortsMidResponse_UpstreamConnectionIsClosed()
    {
        var upstreamSawClose = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = UpstreamServer.Start(async context =>
        {
            await context.ReadRequestAsync();
            const long total = 64L * 1024 * 1024;
            await context.WriteAsync($"HTTP/1.1 200 OK\r\nContent-Length: {total}\r\n\r\n");
            var block = new byte[64 * 1024];
            try
            {
                for (long sent = 0; sent < total; sent += block.Length)
                {
                    await context.WriteAsync(block);
                }
            }
            catch (IOException)
            {
                upstreamSawClose.TrySetResult();
            }
        });
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        var raw = await gateway.ConnectRawAsync();
        await raw.SendAsync("GET /prod/plain/big HTTP/1.1\r\nHost: gw\r\n\r\n");
        await upstream.WaitForRequestsAsync(1);

        await raw.DisposeAsync();

        await upstreamSawClose.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var destination = gateway.Runtime.Upstreams.Find(upstream.Authority)!;
        Assert.Equal(0, destination.IdleConnections);
    }

    /// <summary>
    /// The upstream answers before reading the body (an early 413) and then stops reading. The gateway must not
    /// hang forever pushing the body: the client gets a response within the route timeout's order of magnitude.
    /// </summary>
    [Fact]
    public async Task UpstreamAnswersEarlyAndStopsReading_ClientStillGetsAResponse()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = UpstreamServer.Start(async context =>
        {
            await context.Reader.ReadHeadAsync(context.Stopping);
            await context.WriteAsync("HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            await release.Task.WaitAsync(context.Stopping);
        });
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority, timeoutMs: 1000));
        await using var raw = await gateway.ConnectRawAsync();
        const int size = 64 * 1024 * 1024;
        var send = Task.Run(async () =>
        {
            try
            {
                await raw.SendAsync($"POST /prod/plain/up HTTP/1.1\r\nHost: gw\r\nContent-Length: {size}\r\n\r\n");
                var block = new byte[1024 * 1024];
                for (int sent = 0; sent < size; sent += block.Length)
                {
                    await raw.SendAsync(block);
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or System.Net.Sockets.SocketException)
            {
            }
        });

        try
        {
            var response = await raw.ReadResponseAsync(timeout: TimeSpan.FromSeconds(6));
            Assert.InRange(response.Status, 400, 599);
        }
        finally
        {
            release.TrySetResult();
        }

        await send.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
