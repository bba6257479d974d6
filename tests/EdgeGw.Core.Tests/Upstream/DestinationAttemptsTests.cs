using EdgeGw.Core.Model;
using EdgeGw.Core.Upstream;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGw.Core.Tests.Upstream;

public sealed class DestinationAttemptsTests
{
    private static DestinationState[] States(int count)
    {
        var destinations = System.Collections.Immutable.ImmutableArray.CreateBuilder<DestinationModel>();
        for (int i = 0; i < count; i++)
        {
            destinations.Add(new DestinationModel("127.0.0.1", 20000 + i));
        }

        var cluster = ClusterStateTests.Model(LoadBalancingPolicy.RoundRobin, destinations.ToImmutable(), retries: 0);
        return new UpstreamRegistry(new FakeTimeProvider()).Bind(cluster)[0].Destinations.ToArray();
    }

    [Fact]
    public void New_HoldsTheFirstTry_AndNoRetries()
    {
        var states = States(2);
        var attempts = new DestinationAttempts(states[0]);

        Assert.Equal(1, attempts.Count);
        Assert.Equal(0, attempts.Retries);
        Assert.True(attempts.Contains(states[0]));
        Assert.False(attempts.Contains(states[1]));
    }

    [Fact]
    public void Add_ADestinationTriedAlready_RecordsNothing()
    {
        var states = States(2);
        var attempts = new DestinationAttempts(states[0]);

        Assert.False(attempts.Add(states[0]));
        Assert.True(attempts.Add(states[1]));
        Assert.Equal(2, attempts.Count);
        Assert.Equal(1, attempts.Retries);
    }

    [Fact]
    public void Add_BeyondTheFirstTryAndMaxRetries_IsRefused()
    {
        var states = States(DestinationAttempts.Capacity + 1);
        var attempts = new DestinationAttempts(states[0]);
        for (int i = 1; i < DestinationAttempts.Capacity; i++)
        {
            Assert.True(attempts.Add(states[i]));
        }

        Assert.True(attempts.IsFull);
        Assert.Equal(ClusterModel.MaxRetries, attempts.Retries);
        Assert.False(attempts.Add(states[^1]));
        Assert.False(attempts.Contains(states[^1]));
    }
}
