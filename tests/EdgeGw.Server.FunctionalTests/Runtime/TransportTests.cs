using System.Net;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using EdgeGw.Transport;

namespace EdgeGw.Server.FunctionalTests.Runtime;

/// <summary>CI runs this suite once per transport (EDGEGW_TEST_TRANSPORT); these check that the run is on the one it names.</summary>
public sealed class TransportTests
{
    [Fact]
    public async Task Gateway_RunsOnTheTransportAsked_AndMetricsNameIt()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        using var client = gateway.CreateClient();
        using var admin = gateway.CreateAdminClient();

        using var proxied = await client.GetAsync("/prod/echo/x");
        string metrics = await admin.GetStringAsync("/metrics");

        // "auto" (the default) is epoll where the kernel has it, the .NET sockets transport elsewhere.
        var expected = TestGateway.Transport ?? (EpollTransport.IsSupported ? TransportKind.Epoll : TransportKind.Sockets);
        Assert.Equal(expected, gateway.Runtime.Transport);
        Assert.Equal(HttpStatusCode.OK, proxied.StatusCode);
        string name = expected == TransportKind.Epoll ? "epoll" : "sockets";
        Assert.Contains("edgegw_transport_info{transport=\"" + name + "\"} 1\n", metrics, StringComparison.Ordinal);
    }
}
