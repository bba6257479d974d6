namespace EdgeGw.Core.Caching;

/// <summary>
/// One stored response: the full key (compared on every hit, so a hash collision can never serve another
/// key's bytes) and the response as it goes on the wire — status line and headers ending in CRLF, then the
/// body. Only <c>Age</c>, the Hit header and per-connection headers are added on the way out.
/// </summary>
public sealed class CacheEntry
{
    /// <summary>
    /// Bookkeeping bytes counted per entry on top of key and response, so the budget bounds real memory: object
    /// headers and fields (~130 B) and the entry's share of its shard's index (128-byte slots kept 1/4 to 1/2 full:
    /// 256–512 B, ~384 on average).
    /// </summary>
    internal const int Overhead = 512;

    private const int Live = 0;
    private const int Removed = 1;

    private int _state;

    public CacheEntry(byte[] key, ulong hash, byte[] response, int headLength, long storedTimestamp, long expiresTimestamp, int pathOffset, int pathLength)
    {
        Key = key;
        Hash = hash;
        Response = response;
        HeadLength = headLength;
        StoredTimestamp = storedTimestamp;
        ExpiresTimestamp = expiresTimestamp;
        PathOffset = pathOffset;
        PathLength = pathLength;
        Size = key.Length + response.Length + Overhead;
    }

    public byte[] Key { get; }
    public ulong Hash { get; }
    public byte[] Response { get; }
    public int HeadLength { get; }
    public long StoredTimestamp { get; }
    public long ExpiresTimestamp { get; }
    /// <summary>Where the request path sits within <see cref="Key"/> (for flushing one path).</summary>
    public int PathOffset { get; }
    public int PathLength { get; }
    /// <summary>Bytes charged against the store's budget.</summary>
    public long Size { get; }

    public ReadOnlySpan<byte> Head => Response.AsSpan(0, HeadLength);
    public ReadOnlySpan<byte> Body => Response.AsSpan(HeadLength);
    public ReadOnlySpan<byte> Path => Key.AsSpan(PathOffset, PathLength);

    /// <summary>Position in its shard's ring; guarded by the shard lock.</summary>
    internal int Slot = -1;

    /// <summary>True for exactly one caller, which then owns the byte accounting of the removal.</summary>
    internal bool MarkRemoved() => Interlocked.Exchange(ref _state, Removed) == Live;
}
