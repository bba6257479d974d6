namespace EdgeGw.Core.Throttling;

/// <summary>Global mode: throttle and quota state shared across gateway instances through Redis.</summary>
/// <param name="Configuration">A StackExchange.Redis configuration string such as <c>127.0.0.1:6379</c>.</param>
/// <param name="KeyPrefix">Prefix of every key the gateway writes.</param>
/// <param name="FailOpen">While Redis is down: admit (true) or refuse with 503 (false).</param>
/// <param name="SyncInterval">How often local leases are settled with Redis.</param>
/// <param name="InstanceTtlMs">How long an instance stays listed (and keeps its leased quota units) without a heartbeat.</param>
/// <param name="LeaseIdleMs">How long a quota lease may sit unused before its units go back to Redis.</param>
/// <param name="LeaseWaitMs">How long a request whose lease Redis has not answered yet (a fresh key, a fresh route) waits before the fail mode decides.</param>
public sealed record RedisSettings(string Configuration, string KeyPrefix, bool FailOpen, TimeSpan SyncInterval, int InstanceTtlMs = RedisSection.DefaultInstanceTtlMs, int LeaseIdleMs = RedisSection.DefaultLeaseIdleMs, int LeaseWaitMs = RedisSection.DefaultLeaseWaitMs)
{
    /// <summary>With <c>ssl=true</c>: a PEM file of the CA(s) that issued Redis's certificate, trusted besides the system's.</summary>
    public string? CaFile { get; init; }

    /// <summary>With <c>ssl=true</c>: the gateway's client certificate (PEM, with <see cref="KeyFile"/>) for a Redis with <c>tls-auth-clients yes</c>.</summary>
    public string? CertFile { get; init; }

    public string? KeyFile { get; init; }
}
