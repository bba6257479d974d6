namespace EdgeGw.Core.Caching;

/// <summary>Process-wide settings of the cache store.</summary>
public sealed record CacheStoreSettings
{
    public required long MaxBytes { get; init; }
    public required int MaxEntryBytes { get; init; }
    /// <summary>Name of the Hit/Miss header; empty to send none.</summary>
    public required byte[] StatusHeader { get; init; }
    public required TimeSpan CoalesceTimeout { get; init; }

    public static CacheStoreSettings Default { get; } = new()
    {
        MaxBytes = CacheSection.DefaultMaxBytes,
        MaxEntryBytes = CacheSection.DefaultMaxEntryBytes,
        StatusHeader = System.Text.Encoding.ASCII.GetBytes(CacheSection.DefaultStatusHeader),
        CoalesceTimeout = TimeSpan.FromMilliseconds(CacheSection.DefaultCoalesceTimeoutMs),
    };
}
