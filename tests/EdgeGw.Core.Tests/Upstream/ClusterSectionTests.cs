using EdgeGw.Core.Model;
using EdgeGw.Core.Tests.Configuration;
using EdgeGw.Core.Upstream;

namespace EdgeGw.Core.Tests.Upstream;

public sealed class ClusterSectionTests
{
    [Fact]
    public void Compile_HealthAndCircuitBreaker_BecomeUpstreamSettings()
    {
        var section = new ClusterSection();
        Assert.Empty(SectionFixture.Run(section, """
            { "clusters": [ { "name": "c", "destinations": [ "127.0.0.1:81" ], "loadBalancing": "LeastRequests",
                "health": { "consecutiveFailures": 3, "active": { "path": "/ready", "intervalSeconds": 2 } },
                "circuitBreaker": { "failureRatio": 0.25, "openSeconds": 9 } } ] }
            """));

        var cluster = Assert.Single(section.Compile());

        Assert.Equal(LoadBalancingPolicy.PowerOfTwoChoices, cluster.LoadBalancing);
        Assert.Equal(new HealthSettings(3, 30, new ActiveHealthSettings("/ready", 2, 2000, 2, 3)), cluster.Health);
        Assert.Equal(new CircuitBreakerSettings(0.25, 20, 10, 9), cluster.CircuitBreaker);
    }

    [Fact]
    public void Compile_WithoutHealthOrBreaker_TakesTheDefaults()
    {
        var section = new ClusterSection();
        Assert.Empty(SectionFixture.Run(section, """{ "clusters": [ { "name": "c", "destinations": [ "[::1]:82" ] } ] }"""));

        var cluster = Assert.Single(section.Compile());

        Assert.Equal(HealthSettings.Default, cluster.Health);
        Assert.Null(cluster.CircuitBreaker);
        Assert.Equal(("::1", 82), (cluster.Destinations[0].Host, cluster.Destinations[0].Port));
    }

    [Fact]
    public void ResponseBufferBytes_DefaultsTo64KiB_AndIsCompiledIntoThePool()
    {
        var section = new ClusterSection();
        Assert.Empty(SectionFixture.Run(section, """
            { "clusters": [ { "name": "a", "destinations": [ "127.0.0.1:81" ] },
                            { "name": "b", "destinations": [ "127.0.0.1:82" ], "responseBufferBytes": 0 } ] }
            """));

        var clusters = section.Compile();

        Assert.Equal(64 * 1024, clusters[0].Pool.ResponseBufferBytes);
        Assert.Equal(0, clusters[1].Pool.ResponseBufferBytes);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(16 * 1024 * 1024 + 1)]
    public void ResponseBufferBytes_OutOfRange_IsAnErrorAtItsPath(int bytes)
    {
        var errors = SectionFixture.Run(new ClusterSection(), $$"""{ "clusters": [ { "name": "c", "destinations": [ "127.0.0.1:81" ], "responseBufferBytes": {{bytes}} } ] }""");

        Assert.Equal(["clusters[0].responseBufferBytes"], SectionFixture.Paths(errors));
    }

    [Fact]
    public void IsDefined_NamesWrittenClusters_EvenWhenInvalid()
    {
        var section = new ClusterSection();
        var errors = SectionFixture.Run(section, """{ "clusters": [ { "name": "c", "destinations": [] }, { "destinations": [ "h:1" ] } ] }""");

        Assert.Equal(["clusters[0].destinations", "clusters[1].name"], SectionFixture.Paths(errors));
        Assert.True(section.IsDefined("c"));
        Assert.False(section.IsDefined(""));
    }
}
