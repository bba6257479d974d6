using System.Text;
using EdgeGw.Core.Deployments;

namespace EdgeGw.Core.Tests.Deployments;

public sealed class CanaryPolicyTests
{
    private const int Requests = 100_000;

    [Theory]
    [InlineData(10.0, 1UL)]
    [InlineData(1.0, 2UL)]
    [InlineData(50.0, 3UL)]
    [InlineData(33.3, 4UL)]
    [InlineData(99.5, 5UL)]
    public void Chooses_Over100000RandomDraws_IsWithinOnePointOfTheSetting(double percent, ulong seed)
    {
        var policy = new CanaryPolicy(7, percent);
        var random = new CanaryRandom(seed);
        int canary = 0;
        for (int i = 0; i < Requests; i++)
        {
            if (policy.Chooses(random.Next()))
            {
                canary++;
            }
        }

        double measured = 100.0 * canary / Requests;
        Assert.InRange(measured, percent - 1, percent + 1);
    }

    [Fact]
    public void Chooses_ManyConnectionsOfFewRequests_StillShareAsSet()
    {
        // Each connection seeds its own stream: 10,000 connections of 10 requests, as a busy gateway sees them.
        var policy = new CanaryPolicy(7, 10.0);
        int canary = 0;
        for (int connection = 0; connection < Requests / 10; connection++)
        {
            var random = CanaryRandom.Create();
            for (int i = 0; i < 10; i++)
            {
                canary += policy.Chooses(random.Next()) ? 1 : 0;
            }
        }

        Assert.InRange(100.0 * canary / Requests, 9.0, 11.0);
    }

    [Fact]
    public void ChoosesKey_100000Clients_ShareWithinOnePoint_AndEachClientAlwaysTheSameSide()
    {
        var policy = new CanaryPolicy(7, 10.0, stickyHeader: "X-User");
        int canary = 0;
        for (int i = 0; i < Requests; i++)
        {
            canary += policy.ChoosesKey(Encoding.ASCII.GetBytes($"user-{i}")) ? 1 : 0;
        }

        var key = "session-42"u8.ToArray();
        bool first = policy.ChoosesKey(key);
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(first, policy.ChoosesKey(key));
        }

        Assert.InRange(100.0 * canary / Requests, 9.0, 11.0);
        Assert.Equal("x-user"u8.ToArray(), policy.StickyHeader);
    }

    [Fact]
    public void Chooses_ZeroPercent_Never_HundredPercent_Always()
    {
        var none = new CanaryPolicy(1, 0);
        var all = new CanaryPolicy(1, 100);
        var random = new CanaryRandom(9);
        for (int i = 0; i < 10_000; i++)
        {
            ulong draw = random.Next();
            Assert.False(none.Chooses(draw));
            Assert.True(all.Chooses(draw));
        }

        Assert.False(none.Chooses(0));
        Assert.True(all.Chooses(ulong.MaxValue));
    }

    [Fact]
    public void Threshold_IsThePercentOfTwoToThe32()
    {
        Assert.Equal(429496730UL, new CanaryPolicy(1, 10.0).Threshold);
        Assert.Equal(1UL << 31, new CanaryPolicy(1, 50.0).Threshold);
        Assert.Equal(1UL << 32, new CanaryPolicy(1, 100.0).Threshold);
    }

    [Theory]
    [InlineData("a=1; session=abc; b=2", "abc")]
    [InlineData("session=abc", "abc")]
    [InlineData("session = \"quoted\" ;x=y", "quoted")]
    [InlineData("xsession=1; session=2", "2")]
    [InlineData("other=1", "")]
    [InlineData("", "")]
    public void CookieValue_FindsTheNamedCookie(string header, string expected)
    {
        var value = CanaryPolicy.CookieValue(Encoding.ASCII.GetBytes(header), "session"u8);

        Assert.Equal(expected, Encoding.ASCII.GetString(value));
    }
}
