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
    public void Compile_InstanceTtlLeaseIdleAndLeaseWait_BecomeRedisSettings()
    {
        var section = new RedisSection();
        Assert.Empty(SectionFixture.Run(section, """{ "redis": { "configuration": "r:6379", "instanceTtlMs": 900, "leaseIdleMs": 200, "leaseWaitMs": 0 } }"""));

        Assert.Equal((900, 200, 0), (section.Compile()!.InstanceTtlMs, section.Compile()!.LeaseIdleMs, section.Compile()!.LeaseWaitMs));
    }

    [Fact]
    public void Validate_InstanceTtlLeaseIdleAndLeaseWaitOutOfRange_AreReported()
    {
        var errors = SectionFixture.Run(new RedisSection(), """{ "redis": { "configuration": "r:6379", "instanceTtlMs": 100, "leaseIdleMs": 10, "leaseWaitMs": 10001 } }""");

        Assert.Equal(["redis.instanceTtlMs", "redis.leaseIdleMs", "redis.leaseWaitMs"], SectionFixture.Paths(errors));
    }
}
