using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace EdgeGw.Server.FunctionalTests.Reliability;

/// <summary>Slowloris: clients trickling header bytes are cut at the head timeout and do not starve anyone.</summary>
public sealed class SlowClientTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TwoThousandSlowClients_AreCut_WhileANormalClientIsServedInBudget()
    {
        const int SlowClients = 2000;
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority, requestHeadTimeoutSeconds: 2));
        var slow = new List<Socket>(SlowClients);
        try
        {
            for (int i = 0; i < SlowClients; i++)
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, gateway.Port);
                await socket.SendAsync("GET /prod/mock HTTP/1.1\r\nHost: x\r\n"u8.ToArray());
                slow.Add(socket);
            }

            // A normal client meanwhile: every request answered, each within its 1 s budget.
            using var client = gateway.CreateClient();
            var latencies = new List<double>();
            var clock = Stopwatch.StartNew();
            int trickle = 0;
            while (clock.Elapsed < TimeSpan.FromSeconds(4))
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await client.GetAsync("/prod/echo/normal");
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);

                // Keep the slow clients trickling: one more header byte pair each, a slice at a time.
                for (int i = 0; i < 100; i++, trickle++)
                {
                    var socket = slow[trickle % SlowClients];
                    try
                    {
                        socket.Send("X-"u8);
                    }
                    catch (SocketException)
                    {
                        // Already cut by the gateway: expected after the head timeout.
                    }
                }
            }

            latencies.Sort();
            double p99 = latencies[(int)(latencies.Count * 0.99)];
            output.WriteLine($"normal client: {latencies.Count} requests, p50 {latencies[latencies.Count / 2]:F1} ms, p99 {p99:F1} ms, max {latencies[^1]:F1} ms");
            Assert.True(latencies[^1] < 1000, $"slowest normal request took {latencies[^1]:F0} ms");

            // Every slow client was answered 408 and closed once its head timeout passed.
            int cut = 0;
            var buffer = new byte[512];
            foreach (var socket in slow)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                try
                {
                    var read = new MemoryStream();
                    while (true)
                    {
                        int n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
                        if (n == 0)
                        {
                            break;
                        }

                        read.Write(buffer, 0, n);
                    }

                    cut += System.Text.Encoding.ASCII.GetString(read.ToArray()).StartsWith("HTTP/1.1 408", StringComparison.Ordinal) ? 1 : 0;
                }
                catch (SocketException)
                {
                    cut++;
                }
            }

            Assert.Equal(SlowClients, cut);

            // And the gateway let go of them: only the normal client's connection may remain.
            await Eventually.TrueAsync(() => gateway.Runtime.ActiveConnections <= 1);
            Assert.InRange(gateway.Runtime.ActiveConnections, 0, 1);
        }
        finally
        {
            foreach (var socket in slow)
            {
                socket.Dispose();
            }
        }
    }
}

/// <summary>Connection-level limits: concurrent connections and requests per connection.</summary>
public sealed class ConnectionLimitTests
{
    private static string WithLimits(string upstream, string limits) =>
        GatewayConfigs.Standard(upstream).Replace("\"maxBodyBytes\": 10485760 }", $"\"maxBodyBytes\": 10485760, {limits} }}", StringComparison.Ordinal);

    [Fact]
    public async Task OverTheConnectionLimit_ClientGets503AndClose_OthersKeepWorking()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(WithLimits(upstream.Authority, "\"maxConnections\": 3"));
        var held = new List<RawClient>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                var client = await gateway.ConnectRawAsync();
                await client.SendAsync("GET /prod/mock HTTP/1.1\r\nHost: x\r\n\r\n");
                Assert.Equal(200, (await client.ReadResponseAsync()).Status);
                held.Add(client);
            }

            await using var refused = await gateway.ConnectRawAsync();
            var response = await refused.ReadResponseAsync();
            Assert.Equal(503, response.Status);
            Assert.Equal("close", response.Header("Connection"));
            Assert.True(await refused.IsClosedByServerAsync());

            await held[0].SendAsync("GET /prod/mock HTTP/1.1\r\nHost: x\r\n\r\n");
            Assert.Equal(200, (await held[0].ReadResponseAsync()).Status);
        }
        finally
        {
            foreach (var client in held)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task RequestsPerConnection_AreCapped_ThenTheConnectionCloses()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(WithLimits(upstream.Authority, "\"maxRequestsPerConnection\": 3"));
        await using var raw = await gateway.ConnectRawAsync();

        await raw.SendAsync(string.Concat(Enumerable.Repeat("GET /prod/mock HTTP/1.1\r\nHost: x\r\n\r\n", 5)));
        var responses = new List<RawResponse>();
        for (int i = 0; i < 3; i++)
        {
            responses.Add(await raw.ReadResponseAsync());
        }

        Assert.All(responses, r => Assert.Equal(200, r.Status));
        Assert.Null(responses[1].Header("Connection"));
        Assert.Equal("close", responses[2].Header("Connection"));
        Assert.True(await raw.IsClosedByServerAsync());
    }
}

/// <summary>A body trickled below the minimum data rate is cut (slow POST), one sent at a normal pace is not.</summary>
public sealed class SlowBodyTests
{
    [Fact]
    public async Task BodyBelowTheMinimumRate_Gets408AndClose()
    {
        var time = new FakeTimeProvider();
        long received = 0;
        await using var upstream = UpstreamServer.Start(async context =>
        {
            await context.Reader.ReadHeadAsync(context.Stopping);
            await context.Reader.ReadExactAsync(100000, data => Interlocked.Add(ref received, data.Length), context.Stopping);
        });
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority, requestHeadTimeoutSeconds: 1), time);
        await using var raw = await gateway.ConnectRawAsync();
        await raw.SendAsync("POST /prod/echo/slow HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
        var responseTask = raw.ReadResponseAsync(timeout: TimeSpan.FromSeconds(20));

        // 10 bytes per 100 ms of the gateway's clock = 100 bytes/s, well under the default 240: the 1 s grace plus
        // 1/240 s per byte runs out after about 1.7 s.
        var elapsed = TimeSpan.Zero;
        for (int i = 1; i <= 50 && !responseTask.IsCompleted; i++)
        {
            await raw.SendAsync(new byte[10]);
            await Eventually.TrueAsync(() => Interlocked.Read(ref received) == 10 * i || responseTask.IsCompleted);
            time.Advance(TimeSpan.FromMilliseconds(100));
            elapsed += TimeSpan.FromMilliseconds(100);
            await Eventually.TrueAsync(() => responseTask.IsCompleted, TimeSpan.FromMilliseconds(50));
        }

        var response = await responseTask;
        Assert.Equal(408, response.Status);
        Assert.InRange(elapsed.TotalSeconds, 1.5, 2.0);
        Assert.True(await raw.IsClosedByServerAsync());
    }

    [Fact]
    public async Task BodyAtAModestPace_IsServed()
    {
        // The minimum rate runs on the gateway's clock: a fake one paces the body exactly.
        var time = new FakeTimeProvider();
        long received = 0;
        await using var upstream = UpstreamServer.Start(async context =>
        {
            await context.Reader.ReadHeadAsync(context.Stopping);
            var body = new MemoryStream();
            await context.Reader.ReadExactAsync(12000, data =>
            {
                body.Write(data.Span);
                Interlocked.Add(ref received, data.Length);
            }, context.Stopping);
            await context.RespondAsync(200, body.ToArray());
        });
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority, requestHeadTimeoutSeconds: 2), time);
        await using var raw = await gateway.ConnectRawAsync();
        await raw.SendAsync("POST /prod/echo/steady HTTP/1.1\r\nHost: x\r\nContent-Length: 12000\r\n\r\n");

        // 400 bytes every 200 ms: 2,000 bytes/s for 6 s, eight times the minimum rate and three times the grace.
        for (int i = 1; i <= 30; i++)
        {
            await raw.SendAsync(new byte[400]);
            Assert.True(await Eventually.TrueAsync(() => Interlocked.Read(ref received) == 400 * i), $"piece {i} reached the upstream");
            time.Advance(TimeSpan.FromMilliseconds(200));
        }

        var response = await raw.ReadResponseAsync();
        Assert.Equal(200, response.Status);
        Assert.Equal(12000, response.Body.Length);
    }
}
