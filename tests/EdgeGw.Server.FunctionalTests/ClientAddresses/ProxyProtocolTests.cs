using EdgeGw.Core.Model;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using static EdgeGw.Server.FunctionalTests.ClientAddresses.ClientAddressConfig;

namespace EdgeGw.Server.FunctionalTests.ClientAddresses;

/// <summary>PROXY protocol v1 and v2 on a listener with <c>"proxyProtocol": true</c>, through the real gateway.</summary>
public sealed class ProxyProtocolTests
{
    private static readonly ListenEntry ProxyListener = new("http://127.0.0.1:0", true, TimeSpan.FromSeconds(5));

    [Theory]
    [InlineData("PROXY TCP4 203.0.113.7 127.0.0.1 51000 80", "203.0.113.7")]
    [InlineData("PROXY TCP6 2001:db8::7 2001:db8::1 51000 443", "2001:db8::7")]
    [InlineData("PROXY TCP6 ::ffff:198.51.100.3 ::1 1 2", "198.51.100.3")]
    [InlineData("PROXY UNKNOWN", "127.0.0.1")]
    public async Task V1_TheHeadersClient_ReachesTheBackendInXForwardedFor(string line, string client)
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Json(upstream.Authority), listen: ProxyListener);

        var response = await SendAsync(gateway, V1(line), "/prod/echo/a", "X-Forwarded-For: 192.0.2.50\r\n");

        Assert.Equal(200, response.Status);
        Assert.Equal($"192.0.2.50, {client}", response.Header("x-echo-x-forwarded-for"));
        Assert.Contains("edgegw_proxy_protocol_headers_total 1\n", await MetricsAsync(gateway), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("203.0.113.9", "203.0.113.9")]
    [InlineData("2001:db8:0:0:0:0:0:9", "2001:db8::9")]
    public async Task V2_TheHeadersClient_ReachesTheBackend_TlvsSkipped(string source, string client)
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Json(upstream.Authority), listen: ProxyListener);
        string destination = source.Contains(':', StringComparison.Ordinal) ? "2001:db8::1" : "127.0.0.1";

        var response = await SendAsync(gateway, V2(source, 40000, destination, 8080), "/prod/echo/a");

        Assert.Equal(200, response.Status);
        Assert.Equal(client, response.Header("x-echo-x-forwarded-for"));
    }

    [Fact]
    public async Task V2_Local_KeepsTheSocketAddress_AndTheConnectionKeepsServing()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Json(upstream.Authority), listen: ProxyListener);
        await using var client = await gateway.ConnectRawAsync();

        await client.SendAsync([.. V2Local(), .. Get("/prod/echo/a")]);
        var first = await client.ReadResponseAsync();
        // A second request on the same connection: the header is read once, at the start.
        await client.SendAsync(Get("/prod/echo/b"));
        var second = await client.ReadResponseAsync();

        Assert.Equal("127.0.0.1", first.Header("x-echo-x-forwarded-for"));
        Assert.Equal(200, second.Status);
        Assert.Equal("127.0.0.1", second.Header("x-echo-x-forwarded-for"));
    }

    [Theory]
    [InlineData("GET /prod/echo/a HTTP/1.1\r\nHost: gw\r\n\r\n", "missing")]
    [InlineData("PROXY TCP4 203.0.113.7 127.0.0.1 51000\r\n", "malformed_v1")]
    [InlineData("PROXY TCP4 203.0.113.700 127.0.0.1 1 2\r\n", "malformed_v1")]
    [InlineData("PROXY TCP4  203.0.113.7 127.0.0.1 1 2\r\n", "malformed_v1")]
    [InlineData("PROXY UNKNOWN 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789\r\n", "too_long_v1")]
    [InlineData("\r\n\r\n\0\r\nQUIT\n\x0031\x0000\x0000", "malformed_v2")]
    [InlineData("\r\n\r\n\0\r\nQUIT\n\x0021\x0011\x0000\x0004abcd", "malformed_v2")]
    [InlineData("\r\n\r\n\0\r\nQUIT\n\x0021\x0011\x0000\x000F\x0001\x0002\x0003\x0004\x0001\x0002\x0003\x0004\x0001\x0002\x0003\x0004\x0001\x0000\x0009", "malformed_tlv")]
    public async Task Malformed_OrMissingHeader_ClosesWithoutAnswer_IsCounted_AndTheListenerServesOn(string sent, string reason)
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Json(upstream.Authority), listen: ProxyListener);

        await using (var bad = await gateway.ConnectRawAsync())
        {
            await bad.SendAsync(System.Text.Encoding.Latin1.GetBytes(sent));
            Assert.True(await ClosedWithoutAnswerAsync(bad), "the connection should be closed without a response");
        }

        Assert.True(await Eventually.TrueAsync(() => Rejected(gateway, reason) == 1), $"rejected {{reason=\"{reason}\"}} should count 1");
        var good = await SendAsync(gateway, V1("PROXY TCP4 203.0.113.8 127.0.0.1 1 2"), "/prod/echo/a");
        Assert.Equal(200, good.Status);
        Assert.Equal("203.0.113.8", good.Header("x-echo-x-forwarded-for"));
        Assert.Equal(0, upstream.Requests.Count(r => r.Header("x-forwarded-for") != "203.0.113.8"));
        Assert.Contains($"edgegw_proxy_protocol_rejected_total{{reason=\"{reason}\"}} 1\n", await MetricsAsync(gateway), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeaderNotFinishedWithinTheTimeout_ClosesTheConnection_AndIsCounted()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Json(upstream.Authority), listen: ProxyListener with { ProxyProtocolTimeout = TimeSpan.FromSeconds(1) });
        await using var slow = await gateway.ConnectRawAsync();
        var started = System.Diagnostics.Stopwatch.StartNew();

        await slow.SendAsync(System.Text.Encoding.ASCII.GetBytes("PROXY TCP4 203.0.113.7 "));

        Assert.True(await ClosedWithoutAnswerAsync(slow), "a header that never ends should be cut at the timeout");
        Assert.True(started.Elapsed >= TimeSpan.FromSeconds(0.9), $"closed after {started.Elapsed}, before the 1 s timeout");
        Assert.True(await Eventually.TrueAsync(() => gateway.Runtime.ProxyProtocol.TimedOut == 1));
        Assert.Contains("edgegw_proxy_protocol_rejected_total{reason=\"timeout\"} 1\n", await MetricsAsync(gateway), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PerClientThrottle_CountsTheHeadersClient_NotTheProxy()
    {
        await using var upstream = Upstreams.Echo();
        // A frozen clock: no token comes back between the requests.
        await using var gateway = await TestGateway.StartAsync(Json(upstream.Authority), new FakeTimeProvider(DateTimeOffset.UtcNow), listen: ProxyListener);
        var a = V1("PROXY TCP4 203.0.113.1 127.0.0.1 1000 80");
        var b = V2("2001:db8::b", 1000, "2001:db8::1", 80);

        // Each request on its own connection from the same proxy (the socket peer is always 127.0.0.1).
        int[] statuses =
        [
            (await SendAsync(gateway, a, "/prod/perip")).Status,
            (await SendAsync(gateway, a, "/prod/perip")).Status,
            (await SendAsync(gateway, a, "/prod/perip")).Status,
            (await SendAsync(gateway, b, "/prod/perip")).Status,
            (await SendAsync(gateway, b, "/prod/perip")).Status,
            (await SendAsync(gateway, b, "/prod/perip")).Status,
        ];

        Assert.Equal([200, 200, 429, 200, 200, 429], statuses);
    }

    [Fact]
    public async Task PlainListener_TreatsAProxyLineAsARequest()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Json(upstream.Authority));

        var response = await SendAsync(gateway, V1("PROXY TCP4 203.0.113.7 127.0.0.1 51000 80"), "/prod/echo/a");

        // Without the option nothing reads the header: it is a bad request line, as before.
        Assert.Equal(400, response.Status);
        Assert.Empty(upstream.Requests);
    }

    private static long Rejected(TestGateway gateway, string reason)
    {
        var counters = gateway.Runtime.ProxyProtocol;
        return reason switch
        {
            "missing" => counters.Refused(Protocols.Proxy.ProxyHeaderError.Missing),
            "malformed_v1" => counters.Refused(Protocols.Proxy.ProxyHeaderError.MalformedV1),
            "too_long_v1" => counters.Refused(Protocols.Proxy.ProxyHeaderError.TooLongV1),
            "malformed_v2" => counters.Refused(Protocols.Proxy.ProxyHeaderError.MalformedV2),
            "malformed_tlv" => counters.Refused(Protocols.Proxy.ProxyHeaderError.MalformedTlv),
            _ => throw new ArgumentOutOfRangeException(nameof(reason)),
        };
    }
}
