using EdgeGw.Core.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Throttling;

/// <summary>Shared throttle and quota state across gateway instances, as written.</summary>
internal sealed record RedisConfig(string Configuration, string FailMode, int SyncIntervalMs, string KeyPrefix, int InstanceTtlMs, int LeaseIdleMs, int LeaseWaitMs,
    string? CaFile = null, string? CertFile = null, string? KeyFile = null);

/// <summary><c>redis</c>: global mode (null when absent: every instance keeps its own buckets and quotas).</summary>
internal sealed class RedisSection : IConfigSection
{
    private const string Key = "redis";
    private static readonly string[] Keys = ["configuration", "failMode", "syncIntervalMs", "keyPrefix", "instanceTtlMs", "leaseIdleMs", "leaseWaitMs", "caFile", "certFile", "keyFile"];

    public const string DefaultFailMode = "open";
    public const int DefaultSyncIntervalMs = 50;
    public const string DefaultKeyPrefix = "edgegw:";
    public const int DefaultInstanceTtlMs = 10_000;
    public const int DefaultLeaseIdleMs = 2_000;
    public const int DefaultLeaseWaitMs = 500;

    public RedisConfig? Config { get; private set; }

    public void Read(IConfiguration root, ConfigReader reader)
    {
        var section = root.GetSection(Key);
        if (!section.Exists())
        {
            Config = null;
            return;
        }

        reader.CheckObject(section, Key, Keys);
        Config = new RedisConfig(
            section["configuration"] ?? "",
            section["failMode"] ?? DefaultFailMode,
            reader.ReadInt(section, Key, "syncIntervalMs") ?? DefaultSyncIntervalMs,
            section["keyPrefix"] ?? DefaultKeyPrefix,
            reader.ReadInt(section, Key, "instanceTtlMs") ?? DefaultInstanceTtlMs,
            reader.ReadInt(section, Key, "leaseIdleMs") ?? DefaultLeaseIdleMs,
            reader.ReadInt(section, Key, "leaseWaitMs") ?? DefaultLeaseWaitMs,
            section["caFile"],
            section["certFile"],
            section["keyFile"]);
    }

    public void Validate(ConfigChecks checks)
    {
        if (Config is not { } redis)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(redis.Configuration))
        {
            checks.Error("redis.configuration", "required: a StackExchange.Redis configuration string such as \"127.0.0.1:6379\"");
        }
        else
        {
            RedisTlsFiles.Validate(checks, redis);
        }

        if (redis.FailMode is not ("open" or "closed"))
        {
            checks.Error("redis.failMode", $"'{redis.FailMode}' is not open (admit while Redis is down) or closed (refuse with 503)");
        }

        checks.Range("redis.syncIntervalMs", redis.SyncIntervalMs, 1, 10_000);
        checks.Range("redis.instanceTtlMs", redis.InstanceTtlMs, 300, 600_000);
        checks.Range("redis.leaseIdleMs", redis.LeaseIdleMs, 50, 600_000);
        checks.Range("redis.leaseWaitMs", redis.LeaseWaitMs, 0, 10_000);
        if (redis.KeyPrefix.Length > 64)
        {
            checks.Error("redis.keyPrefix", "at most 64 characters");
        }
    }

    public RedisSettings? Compile() => Config is { } redis
        ? new RedisSettings(redis.Configuration, redis.KeyPrefix, redis.FailMode == "open", TimeSpan.FromMilliseconds(redis.SyncIntervalMs), redis.InstanceTtlMs, redis.LeaseIdleMs, redis.LeaseWaitMs)
        {
            CaFile = redis.CaFile,
            CertFile = redis.CertFile,
            KeyFile = redis.KeyFile,
        }
        : null;
}
