using System.Net;
using System.Net.Sockets;
using EdgeGw.Core.Model;
using EdgeGw.Core.Upstream;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGw.Core.Tests.Upstream;

public sealed class DestinationStateTests : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly FakeTimeProvider _time = new();
    private readonly UpstreamRegistry _registry;

    public DestinationStateTests()
    {
        _listener.Start(100);
        _registry = new UpstreamRegistry(_time);
    }

    private int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    private DestinationState Destination(int maxConnections = 4, int port = 0)
    {
        var model = Model(maxConnections, port == 0 ? Port : port);
        return _registry.Bind(model)[0].Destinations[0];
    }

    private static GatewayModel Model(int maxConnections, int port) => new()
    {
        Server = new ServerSettings
        {
            Listen = [ListenEntry.Plain("http://127.0.0.1:0")],
            Limits = new RequestLimits { MaxRequestLineBytes = 8192, MaxHeaderBytes = 32768, MaxHeaderCount = 100, MaxBodyBytes = 1 << 20 },
            DrainTimeout = TimeSpan.FromSeconds(1),
            KeepAliveTimeout = TimeSpan.FromSeconds(10),
            RequestHeadTimeout = TimeSpan.FromSeconds(10),
        },
        Clusters =
        [
            new ClusterModel
            {
                Name = "c",
                Index = 0,
                LoadBalancing = LoadBalancingPolicy.RoundRobin,
                Destinations = [new DestinationModel("127.0.0.1", port)],
                Pool = new UpstreamPoolSettings
                {
                    MaxConnectionsPerDestination = maxConnections,
                    ConnectTimeout = TimeSpan.FromSeconds(5),
                    IdleTimeout = TimeSpan.FromSeconds(60),
                    ResponseTimeout = TimeSpan.FromSeconds(5),
                },
            },
        ],
        Routes = EdgeGw.Core.Routing.RouteTable<RouteModel>.Empty,
    };

    [Fact]
    public async Task Lease_AfterReusableReturn_ReusesTheSameConnection()
    {
        var destination = Destination();
        var (first, error) = await destination.LeaseAsync(forceNew: false, CancellationToken.None);
        Assert.Equal(LeaseError.None, error);
        using var accepted = await _listener.AcceptTcpClientAsync();
        destination.Return(first!, reusable: true);
        Assert.Equal(1, destination.IdleConnections);

        var (second, _) = await destination.LeaseAsync(forceNew: false, CancellationToken.None);
        Assert.Same(first, second);
        Assert.Equal(1, destination.OpenedConnections);
        Assert.Equal(1, second!.CompletedRequests);
        destination.Return(second, reusable: false);
        Assert.Equal(0, destination.OpenConnections);
        Assert.Equal(0, destination.LeasedConnections);
    }

    [Fact]
    public async Task Lease_AtTheConnectionLimit_FailsFastWithPoolExhausted()
    {
        var destination = Destination(maxConnections: 1);
        var (held, _) = await destination.LeaseAsync(forceNew: false, CancellationToken.None);
        var (none, error) = await destination.LeaseAsync(forceNew: false, CancellationToken.None);
        Assert.Null(none);
        Assert.Equal(LeaseError.PoolExhausted, error);
        Assert.Equal(1, destination.LeasedConnections);
        destination.Return(held!, reusable: false);
        Assert.Equal(0, destination.LeasedConnections);
    }

    [Fact]
    public async Task Lease_RefusedPort_ReportsConnectFailedAndReleasesTheLease()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int closedPort = ((IPEndPoint)probe.LocalEndPoint!).Port;
        probe.Close();

        var destination = Destination(port: closedPort);
        var (connection, error) = await destination.LeaseAsync(forceNew: false, CancellationToken.None);
        Assert.Null(connection);
        Assert.Equal(LeaseError.ConnectFailed, error);
        Assert.Equal(0, destination.LeasedConnections);
        Assert.Equal(0, destination.InFlight);
    }

    [Fact]
    public async Task EvictIdle_ClosesConnectionsIdleLongerThanTheIdleTimeout()
    {
        var destination = Destination();
        var (connection, _) = await destination.LeaseAsync(forceNew: false, CancellationToken.None);
        using var accepted = await _listener.AcceptTcpClientAsync();
        destination.Return(connection!, reusable: true);

        _time.Advance(TimeSpan.FromSeconds(30));
        destination.EvictIdle();
        Assert.Equal(1, destination.IdleConnections);

        _time.Advance(TimeSpan.FromSeconds(31));
        destination.EvictIdle();
        Assert.Equal(0, destination.IdleConnections);
        Assert.Equal(0, destination.OpenConnections);
        Assert.True(connection!.IsDisposed);
    }

    [Fact]
    public async Task Bind_DestinationRemovedFromConfig_IsRetiredAndClosesOnReturn()
    {
        var destination = Destination();
        var (connection, _) = await destination.LeaseAsync(forceNew: false, CancellationToken.None);
        _registry.Bind(Model(4, Port + 1 == 65536 ? Port - 1 : Port + 1));
        destination.Return(connection!, reusable: true);
        Assert.Equal(0, destination.IdleConnections);
        Assert.True(connection!.IsDisposed);
        Assert.Null(_registry.Find($"127.0.0.1:{Port}"));
    }

    public void Dispose()
    {
        _registry.Dispose();
        _listener.Stop();
        _listener.Dispose();
    }
}
