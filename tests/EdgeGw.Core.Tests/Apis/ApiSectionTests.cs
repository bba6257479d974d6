using EdgeGw.Core.Apis;
using EdgeGw.Core.Model;
using EdgeGw.Core.Routing;
using EdgeGw.Core.Tests.Configuration;
using EdgeGw.Core.Upstream;

namespace EdgeGw.Core.Tests.Apis;

public sealed class ApiSectionTests
{
    private const string Json = """
        { "clusters": [ { "name": "c", "destinations": [ "127.0.0.1:1" ] } ],
          "apis": [ { "name": "a", "stages": [ { "name": "s" }, { "name": "t" } ],
            "routes": [ { "key": "GET /x/{id}", "maxBodyBytes": 9, "integration": { "type": "http", "cluster": "c", "uri": "/y/{id}" } },
                        { "key": "$default", "integration": { "type": "mock" } } ] } ] }
        """;

    [Fact]
    public void DeployedStages_MapsEachApiStage_ToItsRouteKeys()
    {
        var clusters = new ClusterSection();
        var apis = new ApiSection(clusters);
        SectionFixture.Run(clusters, Json);
        Assert.Empty(SectionFixture.Run(apis, Json));

        var stages = apis.DeployedStages();

        Assert.Equal(["a/s", "a/t"], stages.Keys.Order());
        Assert.Equal(["$default", "GET /x/{id}"], stages["a/s"].Order());
    }

    [Fact]
    public void Validate_AnIntegrationsCluster_IsLookedUpInTheClusterSection()
    {
        var apis = new ApiSection(new ClusterSection());

        var errors = SectionFixture.Run(apis, Json);

        Assert.Equal(new Core.Infrastructure.ConfigError("apis[0].routes[0].integration.cluster", "cluster 'c' is not defined"), Assert.Single(errors));
    }

    [Fact]
    public void Compile_OneRoutePerRouteAndStage_InOrdinalOrder()
    {
        var clusters = new ClusterSection();
        var apis = new ApiSection(clusters);
        Assert.Empty(SectionFixture.Run(clusters, Json));
        Assert.Empty(SectionFixture.Run(apis, Json));

        var set = apis.Compile(clusters.Compile(), defaultMaxBodyBytes: 100, gatewayThrottle: false);

        Assert.Equal([new StageRef("a", "s"), new StageRef("a", "t")], set.Stages.ToArray());
        Assert.Equal([0, 1, 2, 3], set.Routes.Select(r => r.Ordinal));
        Assert.Equal([9L, 100L, 9L, 100L], set.Routes.Select(r => r.MaxBodyBytes));
        Assert.All(set.Routes, r => Assert.Null(r.Access));
        RouteMatch<RouteModel> match = default;
        Assert.True(set.Table.TryMatch("h"u8, Protocols.Http1.HttpMethod.Get, "/t/x/7"u8, ref match));
        Assert.Same(set.Routes[2], match.Route);
        Assert.IsType<HttpIntegrationModel>(match.Route!.Integration);
    }
}
