using EdgeGw.Core.Model;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using static EdgeGw.Server.FunctionalTests.ClientAddresses.ClientAddressConfig;

namespace EdgeGw.Server.FunctionalTests.ClientAddresses;

/// <summary><c>server.trustedProxies</c>: X-Forwarded-For believed from trusted peers only (the test's peer is 127.0.0.1).</summary>
public sealed class TrustedProxiesTests
{
    private const string LoopbackAndTen = "\"127.0.0.0/8\", \"10.0.0.0/8\", \"2001:db8:ff::/48\"";

    [Theory]
    // The right-most untrusted address is the client; the trusted hops right of it are dropped, the client appended.
    [InlineData("X-Forwarded-For: 198.51.100.1, 203.0.113.5, 10.0.0.2\r\n", "198.51.100.1, 203.0.113.5")]
    [InlineData("X-Forwarded-For: 203.0.113.5\r\n", "203.0.113.5")]
    // A chain over several lines, IPv6 hops included, canonical text toward the backend.
    [InlineData("X-Forwarded-For: spoofed, 2001:DB8:0::5\r\nX-Other: 1\r\nX-Forwarded-For: 10.1.1.1, 2001:db8:ff::1\r\n", "spoofed, 2001:db8::5")]
    // Every hop trusted: the left-most is the client.
    [InlineData("X-Forwarded-For: 10.0.0.1, 10.0.0.2\r\n", "10.0.0.1")]
    // A malformed hop stops the walk: the last trusted address walked is the client.
    [InlineData("X-Forwarded-For: 203.0.113.5, unknown, 10.0.0.2\r\n", "203.0.113.5, unknown, 10.0.0.2")]
    // Malformed right-most: the peer is the client, and X-Forwarded-For goes on as today.
    [InlineData("X-Forwarded-For: 203.0.113.5, proxy.local\r\n", "203.0.113.5, proxy.local, 127.0.0.1")]
    // No header: the peer.
    [InlineData("", "127.0.0.1")]
    public async Task TrustedPeer_ClientIsTheRightMostUntrustedHop(string headers, string forwarded)
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Json(upstream.Authority, LoopbackAndTen));
        await using var client = await gateway.ConnectRawAsync();

        await client.SendAsync(Get("/prod/echo/a", headers));
        var response = await client.ReadResponseAsync();

        Assert.Equal(200, response.Status);
        Assert.Equal(forwarded, response.Header("x-echo-x-forwarded-for"));
    }

    [Fact]
    public async Task UntrustedPeer_ItsXForwardedForIsIgnored_AsToday()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Json(upstream.Authority, "\"10.0.0.0/8\""), new FakeTimeProvider(DateTimeOffset.UtcNow));

        var echoed = await SendAsync(gateway, [], "/prod/echo/a", "X-Forwarded-For: 203.0.113.5\r\n");
        // The throttle counts the peer whatever each request claims.
        int[] statuses =
        [
            (await SendAsync(gateway, [], "/prod/perip", "X-Forwarded-For: 203.0.113.1\r\n")).Status,
            (await SendAsync(gateway, [], "/prod/perip", "X-Forwarded-For: 203.0.113.2\r\n")).Status,
            (await SendAsync(gateway, [], "/prod/perip", "X-Forwarded-For: 203.0.113.3\r\n")).Status,
        ];

        Assert.Equal("203.0.113.5, 127.0.0.1", echoed.Header("x-echo-x-forwarded-for"));
        Assert.Equal([200, 200, 429], statuses);
    }

    [Fact]
    public async Task PerClientThrottle_CountsTheForwardedClient()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Json(upstream.Authority, LoopbackAndTen), new FakeTimeProvider(DateTimeOffset.UtcNow));
        await using var client = await gateway.ConnectRawAsync();

        var statuses = new List<int>();
        // One keep-alive connection from the trusted proxy, carrying two clients (one behind a second proxy of ours).
        foreach (var xff in new[] { "203.0.113.1", "203.0.113.1, 10.0.0.7", "203.0.113.1", "203.0.113.2", "1.1.1.1, 203.0.113.2", "203.0.113.2, 10.9.9.9" })
        {
            await client.SendAsync(Get("/prod/perip", $"X-Forwarded-For: {xff}\r\n"));
            statuses.Add((await client.ReadResponseAsync()).Status);
        }

        Assert.Equal([200, 200, 429, 200, 200, 429], statuses);
    }

    [Theory]
    [InlineData("10.0.0.9", "X-Forwarded-For: 203.0.113.5\r\n", "203.0.113.5")]
    [InlineData("203.0.113.77", "X-Forwarded-For: 198.51.100.1\r\n", "198.51.100.1, 203.0.113.77")]
    public async Task AfterTheProxyProtocol_TheHeadersClientIsThePeerThatIsChecked(string proxySource, string headers, string forwarded)
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Json(upstream.Authority, "\"10.0.0.0/8\""),
            listen: new ListenEntry("http://127.0.0.1:0", true, TimeSpan.FromSeconds(5)));

        var response = await SendAsync(gateway, V1($"PROXY TCP4 {proxySource} 127.0.0.1 1 2"), "/prod/echo/a", headers);

        Assert.Equal(forwarded, response.Header("x-echo-x-forwarded-for"));
    }

    [Fact]
    public async Task Reload_AddingTrustedProxies_AppliesToTheNextRequestOnAnOpenConnection()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Json(upstream.Authority));
        await using var client = await gateway.ConnectRawAsync();
        const string headers = "X-Forwarded-For: 203.0.113.5\r\n";

        await client.SendAsync(Get("/prod/echo/a", headers));
        var before = await client.ReadResponseAsync();
        gateway.Runtime.Swap(TestGateway.BuildModel(Json(upstream.Authority, "\"127.0.0.1\"")));
        await client.SendAsync(Get("/prod/echo/a", headers));
        var after = await client.ReadResponseAsync();
        gateway.Runtime.Swap(TestGateway.BuildModel(Json(upstream.Authority)));
        await client.SendAsync(Get("/prod/echo/a", headers));
        var removed = await client.ReadResponseAsync();

        Assert.Equal("203.0.113.5, 127.0.0.1", before.Header("x-echo-x-forwarded-for"));
        Assert.Equal("203.0.113.5", after.Header("x-echo-x-forwarded-for"));
        Assert.Equal("203.0.113.5, 127.0.0.1", removed.Header("x-echo-x-forwarded-for"));
    }
}
