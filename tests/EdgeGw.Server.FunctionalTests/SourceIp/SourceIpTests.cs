using EdgeGw.Core.Model;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using static EdgeGw.Server.FunctionalTests.ClientAddresses.ClientAddressConfig;

namespace EdgeGw.Server.FunctionalTests.SourceIp;

/// <summary>
/// <c>sourceIp</c> through the real gateway: the client address after trusted proxies or the PROXY protocol is
/// checked per route (the route's object over the API's), deny wins, a refusal is 403 ACCESS_DENIED and the
/// backend never sees the request.
/// </summary>
public sealed class SourceIpTests
{
    private static readonly ListenEntry ProxyListener = new("http://127.0.0.1:0", true, TimeSpan.FromSeconds(5));

    private static string Config(string upstream, bool trusted = true) => $$"""
        {
          "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 2 {{(trusted ? ", \"trustedProxies\": [\"127.0.0.0/8\"]" : "")}} },
          "clusters": [ { "name": "up", "destinations": ["{{upstream}}"] } ],
          "apis": [
            { "name": "ip", "sourceIp": { "allow": ["10.0.0.0/8", "2001:db8::/32"], "deny": ["10.1.2.3/32", "2001:db8:bad::/48"] },
              "stages": [ { "name": "prod" } ],
              "routes": [
                { "key": "GET /api", "integration": { "type": "http", "cluster": "up" } },
                { "key": "GET /open", "sourceIp": { "deny": ["192.0.2.0/24"] }, "integration": { "type": "http", "cluster": "up" } },
                { "key": "GET /v4all", "sourceIp": { "allow": ["0.0.0.0/0"] }, "integration": { "type": "http", "cluster": "up" } } ] }
          ]
        }
        """;

    [Theory]
    [InlineData("/prod/api", "10.9.8.7", 200)]
    [InlineData("/prod/api", "10.1.2.3", 403)]
    [InlineData("/prod/api", "10.1.2.4", 200)]
    [InlineData("/prod/api", "172.16.0.1", 403)]
    [InlineData("/prod/api", "2001:db8::1", 200)]
    [InlineData("/prod/api", "2001:db8:bad::1", 403)]
    [InlineData("/prod/api", "2001:db9::1", 403)]
    [InlineData("/prod/open", "172.16.0.1", 200)]
    [InlineData("/prod/open", "192.0.2.77", 403)]
    [InlineData("/prod/v4all", "198.51.100.1", 200)]
    [InlineData("/prod/v4all", "2001:db8::1", 403)]
    public async Task ForwardedClient_IsCheckedAgainstTheRoutesBlocks(string path, string client, int status)
    {
        await using var upstream = Upstreams.Counting();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority));

        var response = await SendAsync(gateway, [], path, $"X-Forwarded-For: {client}\r\n");

        Assert.Equal(status, response.Status);
        if (status == 403)
        {
            Assert.Equal("""{"message":"Forbidden"}""", response.BodyText);
            Assert.Equal(0, upstream.RequestsSeen);
        }
        else
        {
            Assert.Equal(1, upstream.RequestsSeen);
        }
    }

    [Fact]
    public async Task ThePeer_IsTheClientWithoutTrustedProxies()
    {
        await using var upstream = Upstreams.Counting();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, trusted: false));

        // The peer is 127.0.0.1, in no allow block; a claimed X-Forwarded-For changes nothing.
        var response = await SendAsync(gateway, [], "/prod/api", "X-Forwarded-For: 10.9.8.7\r\n");
        var open = await SendAsync(gateway, [], "/prod/open");

        Assert.Equal((403, 200), (response.Status, open.Status));
        Assert.Equal(1, upstream.RequestsSeen);
    }

    [Theory]
    [InlineData("PROXY TCP4 10.9.8.7 127.0.0.1 5000 80", 200)]
    [InlineData("PROXY TCP4 10.1.2.3 127.0.0.1 5000 80", 403)]
    [InlineData("PROXY TCP6 2001:db8::9 ::1 5000 80", 200)]
    [InlineData("PROXY TCP6 ::ffff:10.9.8.7 ::1 5000 80", 200)]
    [InlineData("PROXY TCP6 ::ffff:10.1.2.3 ::1 5000 80", 403)]
    public async Task ProxyProtocolClient_IsTheOneChecked(string header, int status)
    {
        await using var upstream = Upstreams.Counting();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, trusted: false), listen: ProxyListener);

        var response = await SendAsync(gateway, V1(header), "/prod/api");

        Assert.Equal(status, response.Status);
        Assert.Equal(status == 200 ? 1 : 0, upstream.RequestsSeen);
    }

    [Fact]
    public async Task Refusal_KeepsTheConnectionOpen()
    {
        await using var upstream = Upstreams.Counting();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority));
        await using var client = await gateway.ConnectRawAsync();

        await client.SendAsync(Get("/prod/api", "X-Forwarded-For: 172.16.0.1\r\n"));
        var refused = await client.ReadResponseAsync();
        await client.SendAsync(Get("/prod/api", "X-Forwarded-For: 10.0.0.1\r\n"));
        var allowed = await client.ReadResponseAsync();

        Assert.Equal((403, 200), (refused.Status, allowed.Status));
    }
}
