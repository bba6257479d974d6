namespace EdgeGw.Core.Caching;

/// <summary>Point-in-time counters of a <see cref="ResponseCache"/>.</summary>
public readonly record struct CacheStatistics(long Hits, long Misses, long Stores, long Rejected, long Evictions, long Expirations, long Entries, long Bytes);
