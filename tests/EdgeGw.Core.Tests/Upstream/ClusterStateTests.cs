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

        return new UpstreamRegistry(new FakeTimeProvider()).Bind(Model(policy, builder.ToImmutable()))[0];
    }

    /// <summary>A model with one cluster "c" of <paramref name="destinations"/>.</summary>
    internal static GatewayModel Model(LoadBalancingPolicy policy, System.Collections.Immutable.ImmutableArray<DestinationModel> destinations, int retries = 0, int consecutiveFailures = 5) => new()
    {
        Server = new ServerSettings
        {
            Listen = [ListenEntry.Plain("http://127.0.0.1:0")],
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
                Destinations = destinations,
                Retries = retries,
                Health = new EdgeGw.Core.Model.HealthSettings(consecutiveFailures, 30, null),
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

    private static ClusterState Cluster(int retries, params int[] ports)
    {
        var builder = System.Collections.Immutable.ImmutableArray.CreateBuilder<DestinationModel>();
        foreach (int port in ports)
        {
            builder.Add(new DestinationModel("127.0.0.1", port));
        }

        return new UpstreamRegistry(new FakeTimeProvider()).Bind(Model(LoadBalancingPolicy.RoundRobin, builder.ToImmutable(), retries, consecutiveFailures: 1))[0];
    }

    /// <summary>A loopback port nobody listens on (bound, read, closed), distinct from <paramref name="taken"/>.</summary>
    private static int RefusedPort(params int[] taken)
    {
        while (true)
        {
            using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
            int port = ((System.Net.IPEndPoint)socket.LocalEndPoint!).Port;
            if (Array.IndexOf(taken, port) < 0)
            {
                return port;
            }
        }
    }

    [Fact]
    public void PickNext_SkipsTriedAndUnhealthyDestinations_ThenHasNoneLeft()
    {
        var cluster = Cluster(retries: 3, 20001, 20002, 20003, 20004);
        var destinations = cluster.Destinations.ToArray();
        // consecutiveFailures is 1: one failure takes a destination out.
        destinations[2].ReportFailure(cluster.Model.Health, cluster.Time.GetTimestamp(), cluster.Time.TimestampFrequency);
        var attempts = new DestinationAttempts(destinations[0]);

        var picked = new List<DestinationState>();
        while (cluster.PickNext(ref attempts) is { } next)
        {
            picked.Add(next);
        }

        Assert.Equal(2, picked.Count);
        Assert.Contains(destinations[1], picked);
        Assert.Contains(destinations[3], picked);
        Assert.Equal(3, attempts.Count);
    }

    [Fact]
    public async Task LeaseAsync_RefusedConnect_GoesToTheNextDestination_AndCountsAgainstTheRefusedOne()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int live = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var cluster = Cluster(retries: 1, RefusedPort(live), live);
        var refused = cluster.Destinations[0];

        // Round robin's first pick is the second destination: take it first so the next request starts at the refused one.
        var (first, firstConnection, _) = await cluster.LeaseAsync(forceNew: true);
        Assert.Equal(live, first.Model.Port);
        var (destination, connection, error) = await cluster.LeaseAsync(forceNew: true);

        Assert.Equal(LeaseError.None, error);
        Assert.Equal(live, destination.Model.Port);
        Assert.NotNull(connection);
        Assert.Equal(1, refused.Ejections);
        Assert.Equal(0, refused.InFlight);
        destination.Return(connection, reusable: false);
        first.Return(firstConnection!, reusable: false);
    }

    [Fact]
    public async Task LeaseAsync_WithoutRetries_AnswersTheRefusedConnect()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int live = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var cluster = Cluster(retries: 0, live, RefusedPort(live));

        var (destination, connection, error) = await cluster.LeaseAsync(forceNew: true);

        Assert.Equal(LeaseError.ConnectFailed, error);
        Assert.Null(connection);
        Assert.Same(cluster.Destinations[1], destination);
        // The last failure is the caller's to report (with the circuit breaker): nothing was counted yet.
        Assert.Equal(0, destination.Ejections);
    }

    [Fact]
    public async Task LeaseAsync_StopsAfterRetries_WithTheLastDestinationTried()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int live = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        int a = RefusedPort(live);
        int b = RefusedPort(live, a);
        int c = RefusedPort(live, a, b);
        // Round robin starts at index 1 (b); the retry scan starts at index 2 (c); live (index 3) is one retry too far.
        var cluster = Cluster(retries: 1, a, b, c, live);

        var (destination, connection, error) = await cluster.LeaseAsync(forceNew: true);

        Assert.Equal(LeaseError.ConnectFailed, error);
        Assert.Null(connection);
        Assert.Equal(c, destination.Model.Port);
        Assert.Equal(1, cluster.Destinations[1].Ejections);
        Assert.Equal(0, cluster.Destinations[2].Ejections);
    }
}
