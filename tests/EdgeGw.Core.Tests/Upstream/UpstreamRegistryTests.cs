using System.Collections.Immutable;
using EdgeGw.Core.Model;
using EdgeGw.Core.Upstream;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGw.Core.Tests.Upstream;

public sealed class UpstreamRegistryTests : IDisposable
{
    private readonly UpstreamRegistry _registry = new(new FakeTimeProvider());

    private static ClusterModel Cluster(string name, int index, int maxConnections, params string[] authorities)
    {
        var destinations = ImmutableArray.CreateBuilder<DestinationModel>();
        foreach (string authority in authorities)
        {
            destinations.Add(new DestinationModel("127.0.0.1", int.Parse(authority.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture)));
        }

        return new ClusterModel
        {
            Name = name,
            Index = index,
            LoadBalancing = LoadBalancingPolicy.RoundRobin,
            Destinations = destinations.ToImmutable(),
            Pool = new UpstreamPoolSettings
            {
                MaxConnectionsPerDestination = maxConnections,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                IdleTimeout = TimeSpan.FromSeconds(60),
                ResponseTimeout = TimeSpan.FromSeconds(5),
            },
        };
    }

    private static GatewayModel Model(params ClusterModel[] clusters)
    {
        var template = ClusterStateTests.Model(LoadBalancingPolicy.RoundRobin, []);
        return new GatewayModel { Server = template.Server, Clusters = [.. clusters], Routes = template.Routes };
    }

    [Fact]
    public void Bind_TwoClustersOfOneAuthority_EachGetTheirOwnStateAndSettings()
    {
        var clusters = _registry.Bind(Model(Cluster("tiny", 0, 2, "127.0.0.1:20001"), Cluster("big", 1, 1024, "127.0.0.1:20001")));

        var tiny = clusters[0].Destinations[0];
        var big = clusters[1].Destinations[0];
        Assert.NotSame(tiny, big);
        Assert.Equal(2, tiny.Settings.MaxConnectionsPerDestination);
        Assert.Equal(1024, big.Settings.MaxConnectionsPerDestination);
        Assert.Same(tiny, _registry.Find("tiny", "127.0.0.1:20001"));
        Assert.Same(big, _registry.Find("big", "127.0.0.1:20001"));
        Assert.Same(tiny, _registry.Find("127.0.0.1:20001"));
    }

    [Fact]
    public void Bind_AgainWithAChangedCluster_KeepsEveryClustersStateAndAppliesTheNewSettings()
    {
        var before = _registry.Bind(Model(Cluster("kept", 0, 8, "127.0.0.1:20001"), Cluster("changed", 1, 8, "127.0.0.1:20001")));
        var after = _registry.Bind(Model(Cluster("kept", 0, 8, "127.0.0.1:20001"), Cluster("changed", 1, 16, "127.0.0.1:20001")));

        Assert.Same(before[0].Destinations[0], after[0].Destinations[0]);
        Assert.Same(before[1].Destinations[0], after[1].Destinations[0]);
        Assert.Equal(8, after[0].Destinations[0].Settings.MaxConnectionsPerDestination);
        Assert.Equal(16, after[1].Destinations[0].Settings.MaxConnectionsPerDestination);
    }

    [Fact]
    public void Bind_ADestinationLeavesOneCluster_OnlyThatClustersStateIsRetired()
    {
        _registry.Bind(Model(Cluster("a", 0, 8, "127.0.0.1:20001"), Cluster("b", 1, 8, "127.0.0.1:20001")));
        var kept = _registry.Find("b", "127.0.0.1:20001");

        _registry.Bind(Model(Cluster("a", 0, 8, "127.0.0.1:20002"), Cluster("b", 1, 8, "127.0.0.1:20001")));

        Assert.Null(_registry.Find("a", "127.0.0.1:20001"));
        Assert.Same(kept, _registry.Find("b", "127.0.0.1:20001"));
    }

    public void Dispose() => _registry.Dispose();
}
