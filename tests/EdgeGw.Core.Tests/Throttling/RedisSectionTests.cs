using EdgeGw.Core.Tests.Configuration;
using EdgeGw.Core.Throttling;

namespace EdgeGw.Core.Tests.Throttling;

public sealed class RedisSectionTests
{
    [Fact]
    public void Compile_FailModeAndInterval_BecomeRedisSettings()
    {
        var section = new RedisSection();
        Assert.Empty(SectionFixture.Run(section, """{ "redis": { "configuration": "10.0.0.5:6379", "failMode": "closed", "syncIntervalMs": 20 } }"""));

        Assert.Equal(new RedisSettings("10.0.0.5:6379", "edgegw:", FailOpen: false, TimeSpan.FromMilliseconds(20)), section.Compile());
    }

    [Fact]
    public void Absent_IsLocalMode()
    {
        var section = new RedisSection();
        Assert.Empty(SectionFixture.Run(section, "{}"));

        Assert.Null(section.Compile());
    }

    [Fact]
    public void Validate_EmptyConfigurationAndLongPrefix_AreReported()
    {
        var errors = SectionFixture.Run(new RedisSection(), $$"""{ "redis": { "keyPrefix": "{{new string('k', 65)}}" } }""");

        Assert.Equal(["redis.configuration", "redis.keyPrefix"], SectionFixture.Paths(errors));
    }

    [Fact]
    public void Compile_InstanceTtlAndLeaseIdle_BecomeRedisSettings()
    {
        var section = new RedisSection();
        Assert.Empty(SectionFixture.Run(section, """{ "redis": { "configuration": "r:6379", "instanceTtlMs": 900, "leaseIdleMs": 200 } }"""));

        Assert.Equal((900, 200), (section.Compile()!.InstanceTtlMs, section.Compile()!.LeaseIdleMs));
    }

    [Fact]
    public void Validate_InstanceTtlAndLeaseIdleOutOfRange_AreReported()
    {
        var errors = SectionFixture.Run(new RedisSection(), """{ "redis": { "configuration": "r:6379", "instanceTtlMs": 100, "leaseIdleMs": 10 } }""");

        Assert.Equal(["redis.instanceTtlMs", "redis.leaseIdleMs"], SectionFixture.Paths(errors));
    }
}
