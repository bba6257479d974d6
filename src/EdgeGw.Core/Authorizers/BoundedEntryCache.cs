namespace EdgeGw.Core.Authorizers;

/// <summary>An entry of a <see cref="BoundedEntryCache{T}"/>: the whole key, its hash and when it stops being valid.</summary>
public abstract class CachedEntry : Observability.CallerIdentity
{
    protected CachedEntry(byte[] key, long expiresAtMs)
    {
        Key = key;
        Hash = BoundedEntryCache<CachedEntry>.HashOf(key);
        ExpiresAtMs = expiresAtMs;
    }

    /// <summary>The whole key (a token's bytes, or a request authorizer's identity values), compared in full on a lookup.</summary>
    public byte[] Key { get; }
    public int Hash { get; }
    /// <summary>Unix milliseconds after which the entry is not used.</summary>
    public long ExpiresAtMs { get; }
}

/// <summary>
/// A fixed-size, lock-free, two-way set-associative cache of immutable entries: a lookup hashes the key, reads two
/// slots and compares the key in full (no allocation, no lock); an insert replaces the expired or sooner-expiring
/// entry of the pair. Bounded in count by construction; a racing insert may lose, which only costs a later miss.
/// </summary>
public sealed class BoundedEntryCache<T> where T : CachedEntry
{
    private readonly T?[] _slots;
    private readonly int _mask;

    /// <param name="capacity">Rounded up to a power of two (at least 2).</param>
    public BoundedEntryCache(int capacity)
    {
        int size = 2;
        while (size < capacity)
        {
            size <<= 1;
        }

        _slots = new T?[size];
        _mask = size - 1;
    }

    public int Capacity => _slots.Length;

    /// <summary>
    /// The slot hash, randomised per process by <see cref="HashCode"/>: a short key (identity-source values) whole,
    /// a long one (a token) by its length and last 128 bytes (a signature: unpredictable). Only picks the slot pair;
    /// a hit still compares the whole key.
    /// </summary>
    public static int HashOf(ReadOnlySpan<byte> key)
    {
        var hash = new HashCode();
        hash.Add(key.Length);
        hash.AddBytes(key.Length > 256 ? key[^128..] : key);
        return hash.ToHashCode();
    }

    public T? Find(ReadOnlySpan<byte> key, long nowMs)
    {
        int hash = HashOf(key);
        int index = hash & _mask & ~1;
        var first = Volatile.Read(ref _slots[index]);
        if (first is not null && first.Hash == hash && first.ExpiresAtMs > nowMs && key.SequenceEqual(first.Key))
        {
            return first;
        }

        var second = Volatile.Read(ref _slots[index + 1]);
        if (second is not null && second.Hash == hash && second.ExpiresAtMs > nowMs && key.SequenceEqual(second.Key))
        {
            return second;
        }

        return null;
    }

    public void Add(T entry, long nowMs)
    {
        int index = entry.Hash & _mask & ~1;
        var first = Volatile.Read(ref _slots[index]);
        var second = Volatile.Read(ref _slots[index + 1]);
        bool firstFree = first is null || first.ExpiresAtMs <= nowMs;
        bool secondFree = second is null || second.ExpiresAtMs <= nowMs;
        // A free slot of the pair, else the entry that would expire sooner.
        int target = firstFree ? index : secondFree ? index + 1 : first!.ExpiresAtMs <= second!.ExpiresAtMs ? index : index + 1;
        Volatile.Write(ref _slots[target], entry);
    }

    /// <summary>Drops every entry (tests; a reload builds new authorizers instead).</summary>
    public void Clear() => Array.Clear(_slots);
}
