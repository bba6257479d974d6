using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeGw.Server.FunctionalTests.Reliability;

/// <summary>
/// Clients that pipeline requests and never read the answers: they may hold their own connection until the
/// send timeout, never the upstream connections other clients need.
/// </summary>
public sealed class SlowReaderTests(ITestOutputHelper output)
{
    private const int BodyBytes = 32 * 1024;

    private static string Config(string upstream, int maxConnections, int sendTimeoutSeconds) => $$"""
        {
          "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 1, "sendTimeoutSeconds": {{sendTimeoutSeconds}} },
          "clusters": [ { "name": "up", "destinations": ["{{upstream}}"], "maxConnectionsPerDestination": {{maxConnections}},
                          "connectTimeoutMs": 2000, "responseTimeoutMs": 10000 } ],
          "apis": [ { "name": "t", "stages": [ { "name": "prod" } ],
                      "routes": [ { "key": "GET /plain/{proxy+}", "integration": { "type": "http", "cluster": "up" } } ] } ]
        }
        """;

    private static UpstreamServer SizedUpstream()
    {
        var body = new string('x', BodyBytes);
        return UpstreamServer.StartPerRequest((context, request) => context.RespondAsync(200, body));
    }

    /// <summary>Connects with a tiny receive buffer and sends <paramref name="requests"/> pipelined GETs it will never read the answers to.</summary>
    private static async Task<Socket> StartNonReaderAsync(int port, int requests)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var pipeline = new StringBuilder();
        for (int i = 0; i < requests; i++)
        {
            pipeline.Append("GET /prod/plain/slow HTTP/1.1\r\nHost: x\r\n\r\n");
        }

        await socket.SendAsync(Encoding.ASCII.GetBytes(pipeline.ToString()));
        return socket;
    }

    /// <summary>
    /// Waits (bounded) until the upstream has seen no new request for a while: every non-reader is stuck. No gauge
    /// says so exactly: a non-reader refused with 503s while the pool was exhausted gets all its small answers into
    /// the socket buffers and then waits for a next request, so <see cref="GatewayRuntime.SendsWaiting"/> stays
    /// below the number of non-readers (8 of 10 here) and only the upstream going quiet tells that nobody moves.
    /// </summary>
    private static async Task WaitUntilQuietAsync(UpstreamServer upstream, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        await upstream.WaitForRequestsAsync(1, limit);
        while (clock.Elapsed < limit)
        {
            // Quiet: no next request within 300 ms (the upstream's request signal ends the wait early otherwise).
            int seen = upstream.RequestsSeen;
            try
            {
                await upstream.WaitForRequestsAsync(seen + 1, TimeSpan.FromMilliseconds(300));
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Waits (bounded) until <paramref name="count"/> client connections wait on a flush the client never reads.</summary>
    private static async Task WaitUntilSendsWaitAsync(TestGateway gateway, int count)
    {
        Assert.True(await Eventually.TrueAsync(() => gateway.Runtime.SendsWaiting == count, TimeSpan.FromSeconds(15)),
            $"{gateway.Runtime.SendsWaiting} connection(s) waiting for the client to read, expected {count}");
    }

    [Fact]
    public async Task PipeliningClientsThatNeverRead_DoNotHoldTheUpstreamConnections_OthersNeed()
    {
        await using var upstream = SizedUpstream();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, maxConnections: 8, sendTimeoutSeconds: 60));
        var nonReaders = new List<Socket>();
        try
        {
            for (int i = 0; i < 10; i++)
            {
                nonReaders.Add(await StartNonReaderAsync(gateway.Port, requests: 400));
            }

            await WaitUntilQuietAsync(upstream, TimeSpan.FromSeconds(15));
            output.WriteLine($"upstream saw {upstream.RequestsSeen} requests before the non-readers stalled");

            // Ten clients hold connections they never read; an eleventh is served from the same eight upstream connections.
            using var client = gateway.CreateClient();
            client.Timeout = TimeSpan.FromSeconds(5);
            for (int i = 0; i < 10; i++)
            {
                using var response = await client.GetAsync($"/prod/plain/normal-{i}");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal(BodyBytes, (await response.Content.ReadAsByteArrayAsync()).Length);
            }
        }
        finally
        {
            foreach (var socket in nonReaders)
            {
                socket.Dispose();
            }
        }
    }

    [Fact]
    public async Task AClientThatNeverReads_IsClosedAfterTheSendTimeout()
    {
        await using var upstream = SizedUpstream();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, maxConnections: 8, sendTimeoutSeconds: 1));
        using var socket = await StartNonReaderAsync(gateway.Port, requests: 400);
        var clock = Stopwatch.StartNew();

        // Once stuck, the gateway closes the connection within the send timeout; reading then drains what was
        // sent and ends (EOF or reset) instead of waiting for ever.
        var drained = 0L;
        var buffer = new byte[64 * 1024];
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        // One non-reader, eight upstream connections: it is never refused, so it ends up waiting on a flush.
        await WaitUntilSendsWaitAsync(gateway, 1);
        await Eventually.TrueAsync(() => gateway.Runtime.ActiveConnections == 0, TimeSpan.FromSeconds(30));

        var closedAfter = clock.Elapsed;
        Assert.Equal(0, gateway.Runtime.ActiveConnections);
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, limit.Token)) > 0)
            {
                drained += read;
            }
        }
        catch (SocketException)
        {
            // Reset: the gateway aborted with unsent data, as it should.
        }

        output.WriteLine($"closed after {closedAfter.TotalSeconds:F1} s; {drained} bytes had been sent");
        Assert.True(drained < 400L * BodyBytes, "the gateway stopped before answering every pipelined request");

        // The upstream connection it used is free again.
        using var client = gateway.CreateClient();
        using var response = await client.GetAsync("/prod/plain/after");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
