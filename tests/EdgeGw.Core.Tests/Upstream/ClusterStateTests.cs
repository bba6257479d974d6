using EdgeGw.Core.Model;
using EdgeGw.Core.Upstream;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGw.Core.Tests.Upstream;

public sealed class ClusterStateTests
{
    private static ClusterState Cluster(LoadBalancingPolicy policy, int destinations, int firstPort = 20000)
    {
        var builder = System.Collections.Immutable.ImmutableArray.CreateBuilder<DestinationModel>();
        for (int i = 0; i < destinations; i++)
        {
            builder.Add(new DestinationModel("127.0.0.1", i == 0 ? firstPort : 20000 + i));
        }

        var model = new GatewayModel
        {
            Server = new ServerSettings
            {
                Listen = ["http://127.0.0.1:0"],
                Limits = new RequestLimits { MaxRequestLineBytes = 8192, MaxHeaderBytes = 32768, MaxHeaderCount = 100, MaxBodyBytes = 1 },
                DrainTimeout = TimeSpan.FromSeconds(1),
                KeepAliveTimeout = TimeSpan.FromSeconds(1),
                RequestHeadTimeout = TimeSpan.FromSeconds(1),
            },
            Clusters =
            [
                new ClusterModel
                {
                    Name = "c",
                    Index = 0,
                    LoadBalancing = policy,
                    Destinations = builder.ToImmutable(),
                    Pool = new UpstreamPoolSettings
                    {
                        MaxConnectionsPerDestination = 8,
                        ConnectTimeout = TimeSpan.FromSeconds(10), // loopback connects are instant; generous for a loaded CI machine
                        IdleTimeout = TimeSpan.FromSeconds(1),
                        ResponseTimeout = TimeSpan.FromSeconds(1),
                    },
                },
            ],
            Routes = EdgeGw.Core.Routing.RouteTable<RouteModel>.Empty,
        };
        return new UpstreamRegistry(new FakeTimeProvider()).Bind(model)[0];
    }

    [Fact]
    public void Pick_RoundRobin_VisitsEveryDestinationInTurn()
    {
        var cluster = Cluster(LoadBalancingPolicy.RoundRobin, 3);
        var counts = new Dictionary<int, int>();
        for (int i = 0; i < 300; i++)
        {
            int port = cluster.Pick().Model.Port;
            counts[port] = counts.GetValueOrDefault(port) + 1;
        }

        Assert.Equal(3, counts.Count);
        Assert.All(counts.Values, count => Assert.Equal(100, count));
    }

    [Fact]
    public async Task Pick_PowerOfTwoChoices_NeverPicksTheBusierOfTwo()
    {
        // With two destinations both are always compared, so the one with fewer requests in flight must win.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var cluster = Cluster(LoadBalancingPolicy.PowerOfTwoChoices, 2, firstPort: port);
        var busy = cluster.Destinations[0];
        var (connection, error) = await busy.LeaseAsync(forceNew: true, CancellationToken.None);
        Assert.Equal(LeaseError.None, error);
        Assert.Equal(1, busy.InFlight);
        for (int i = 0; i < 50; i++)
        {
            Assert.Same(cluster.Destinations[1], cluster.Pick());
        }

        busy.Return(connection!, reusable: false);
        Assert.Equal(0, busy.InFlight);
    }
}
