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

    [Fact]
    public void Validate_TlsFiles_WithoutSsl_UnpairedAndUnreadable_AreReported()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"edgegw-missing-{Guid.NewGuid():N}.pem");
        var withoutSsl = SectionFixture.Run(new RedisSection(), $$"""{ "redis": { "configuration": "r:6379", "caFile": {{System.Text.Json.JsonSerializer.Serialize(missing)}} } }""");
        var unpaired = SectionFixture.Run(new RedisSection(), $$"""{ "redis": { "configuration": "r:6380,ssl=true", "certFile": {{System.Text.Json.JsonSerializer.Serialize(missing)}} } }""");
        var badString = SectionFixture.Run(new RedisSection(), """{ "redis": { "configuration": "r:6380,ssl=maybe" } }""");

        Assert.Equal(["redis.caFile", "redis.caFile"], SectionFixture.Paths(withoutSsl)); // needs ssl=true; cannot be read
        Assert.Equal(["redis.keyFile"], SectionFixture.Paths(unpaired));
        Assert.Equal(["redis.configuration"], SectionFixture.Paths(badString));
    }

    [Fact]
    public void Compile_TlsFiles_BecomeRedisSettings()
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=ca", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var ca = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        string caFile = Path.Combine(Path.GetTempPath(), $"edgegw-ca-{Guid.NewGuid():N}.pem");
        File.WriteAllText(caFile, ca.ExportCertificatePem());
        try
        {
            var section = new RedisSection();
            Assert.Empty(SectionFixture.Run(section, $$"""{ "redis": { "configuration": "r:6380,ssl=true", "caFile": {{System.Text.Json.JsonSerializer.Serialize(caFile)}} } }"""));

            Assert.Equal((caFile, (string?)null, (string?)null), (section.Compile()!.CaFile, section.Compile()!.CertFile, section.Compile()!.KeyFile));
        }
        finally
        {
            File.Delete(caFile);
        }
    }
}
