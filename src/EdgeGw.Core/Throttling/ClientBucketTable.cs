using System.IO.Hashing;
using System.Numerics;
using System.Security.Cryptography;

namespace EdgeGw.Core.Throttling;

/// <summary>
/// Token buckets per client key (an API key id, a client IP), sharded by a seeded xxHash3 of the key.
/// <para>
/// A check of a known key takes no lock and allocates nothing: probe the shard's slots, compare the full key,
/// CAS the bucket's TAT. Only a new key takes its shard's lock to claim a slot. Memory is bounded: each shard
/// has a fixed number of slots; when they are all taken, a new key replaces an idle bucket (one that has
/// refilled completely, so forgetting it changes nothing) or else the fullest of a few sampled ones. A flood of
/// distinct keys therefore recycles slots instead of growing the table.
/// </para>
/// </summary>
public sealed class ClientBucketTable
{
    private const int ShardCount = 64;
    private const int MaxProbes = 8;
    private const int EvictionSamples = 8;

    private readonly Shard[] _shards;
    private readonly Func<byte[], GlobalLease>? _global;
    private readonly long _seed = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8));
    private long _evictions;

    /// <param name="maxKeys">Upper bound on buckets held (rounded up to a power of two per shard).</param>
    /// <param name="global">In global mode, makes the Redis lease for a key (called once per key insert).</param>
    public ClientBucketTable(ThrottleRate rate, int maxKeys, Func<byte[], GlobalLease>? global = null)
    {
        Rate = rate;
        _global = global;
        // Twice the slots of the key bound: linear probing stays short (a full table would evict on every miss).
        int perShard = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(MaxProbes, 2 * ((maxKeys + ShardCount - 1) / ShardCount)));
        _shards = new Shard[ShardCount];
        for (int i = 0; i < ShardCount; i++)
        {
            _shards[i] = new Shard(perShard);
        }

        Capacity = perShard * ShardCount;
    }

    public ThrottleRate Rate { get; }
    public int Capacity { get; }
    public long Evictions => Interlocked.Read(ref _evictions);

    public int Count
    {
        get
        {
            int count = 0;
            foreach (var shard in _shards)
            {
                foreach (var bucket in shard.Slots)
                {
                    count += bucket is null ? 0 : 1;
                }
            }

            return count;
        }
    }

    public bool TryTake(ReadOnlySpan<byte> key, long now, out ThrottleDecision decision)
    {
        ulong hash = XxHash3.HashToUInt64(key, _seed);
        var shard = _shards[(int)(hash & (ShardCount - 1))];
        var bucket = shard.Find(key, hash) ?? Add(shard, key, hash, now);
        return bucket.Global is { } global ? global.TryTake(now, out decision) : Gcra.TryTake(ref bucket.Tat, Rate, now, out decision);
    }

    private KeyBucket Add(Shard shard, ReadOnlySpan<byte> key, ulong hash, long now)
    {
        lock (shard)
        {
            if (shard.Find(key, hash) is { } raced)
            {
                return raced;
            }

            byte[] keyBytes = key.ToArray();
            var bucket = new KeyBucket(keyBytes, hash) { Global = _global?.Invoke(keyBytes) };
            var slots = shard.Slots;
            int mask = slots.Length - 1;
            int home = (int)(hash >> 32) & mask;
            int victim = -1;
            long victimTat = long.MaxValue;
            // An empty slot first; only then an idle bucket (full again, so forgetting it changes nothing).
            for (int pass = 0; pass < 2; pass++)
            {
                for (int probe = 0; probe < MaxProbes; probe++)
                {
                    int index = (home + probe) & mask;
                    var existing = slots[index];
                    if (existing is null || (pass == 1 && existing.Global is null && Gcra.IsIdle(Volatile.Read(ref existing.Tat), now)))
                    {
                        Volatile.Write(ref slots[index], bucket);
                        return bucket;
                    }
                }
            }

            // Every probe slot is busy: replace the sampled bucket closest to full (the least recent heavy user).
            for (int sample = 0; sample < EvictionSamples; sample++)
            {
                int index = (home + sample) & mask;
                long tat = Volatile.Read(ref slots[index]!.Tat);
                if (tat < victimTat)
                {
                    victimTat = tat;
                    victim = index;
                }
            }

            Interlocked.Increment(ref _evictions);
            Volatile.Write(ref slots[victim], bucket);
            return bucket;
        }
    }

    private sealed class Shard(int size)
    {
        public readonly KeyBucket?[] Slots = new KeyBucket?[size];

        public KeyBucket? Find(ReadOnlySpan<byte> key, ulong hash)
        {
            var slots = Slots;
            int mask = slots.Length - 1;
            int home = (int)(hash >> 32) & mask;
            for (int probe = 0; probe < MaxProbes; probe++)
            {
                var bucket = Volatile.Read(ref slots[(home + probe) & mask]);
                if (bucket is not null && bucket.Hash == hash && bucket.Matches(key))
                {
                    return bucket;
                }
            }

            return null;
        }
    }

    /// <summary>
    /// Immutable key, mutable TAT. Replaced as a whole, so a reader never updates another key's bucket. Keys of
    /// up to 16 bytes (any IPv4 address, short key ids) are held inline, saving a cache miss per check.
    /// </summary>
    private sealed class KeyBucket
    {
        public readonly ulong Hash;
        public long Tat;
        public GlobalLease? Global;
        private readonly InlineKey _inline;
        private readonly int _length;
        private readonly byte[]? _long;

        public KeyBucket(byte[] key, ulong hash)
        {
            Hash = hash;
            _length = key.Length;
            if (key.Length <= 16)
            {
                key.CopyTo(_inline);
            }
            else
            {
                _long = key;
            }
        }

        public bool Matches(ReadOnlySpan<byte> key) =>
            key.Length == _length && (_long is null ? ((ReadOnlySpan<byte>)_inline)[.._length].SequenceEqual(key) : _long.AsSpan().SequenceEqual(key));
    }

    [System.Runtime.CompilerServices.InlineArray(16)]
    private struct InlineKey
    {
        private byte _element0;
    }
}
