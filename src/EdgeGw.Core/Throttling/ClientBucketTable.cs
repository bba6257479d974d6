using System.IO.Hashing;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace EdgeGw.Core.Throttling;

/// <summary>
/// Token buckets per client key (an API key id, a client IP), sharded by a keyed hash of the key: seeded xxHash3
/// for long keys, XXH3's 16-byte construction over the packed words for keys that fit a slot.
/// <para>
/// Each bucket lives inline in its shard's slot array — hash, TAT and the key itself (up to 15 bytes: any IPv4
/// address, short key ids) in 32 bytes aligned to 32 — so checking a known key touches one cache line: no
/// object, no pointer chase, no lock, no allocation. Only a new key takes its shard's lock to claim a slot.
/// </para>
/// <para>
/// Slots are rewritten in place (a new key replacing an idle one, or a resize), so a reader validates what it
/// read: the writer clears the slot's hash, swaps its TAT for <see cref="Busy"/> (which makes any in-flight
/// compare-and-swap on the old TAT fail), writes the new key and TAT, and publishes the hash last. A reader that
/// sees <see cref="Busy"/>, or a hash that changed under it, retries under the lock.
/// </para>
/// <para>
/// Memory is bounded and grows on demand: a shard starts with a few slots and doubles while it is more than half
/// full, up to a fixed maximum; at the maximum a new key replaces an idle bucket (one that has refilled
/// completely, so forgetting it changes nothing) or else the fullest of a few sampled ones. A flood of distinct
/// keys therefore recycles slots instead of growing the table.
/// </para>
/// </summary>
public sealed partial class ClientBucketTable
{
    private const int ShardCount = 64;
    private const int MaxProbes = 8;
    private const int EvictionSamples = 8;
    private const int InitialSlotsPerShard = 16;
    private const int InlineKeyBytes = 15;
    private const byte LongKeyMarker = 0xFF;

    /// <summary>
    /// Set in every stored hash: 0 marks an empty or changing slot. (Bit 0 would skew the shard index; bit 63 is
    /// above every table mask.)
    /// </summary>
    private const ulong HashMarker = 1UL << 63;

    /// <summary>The TAT of a slot being rewritten. No real TAT is negative.</summary>
    private const long Busy = long.MinValue;

    private readonly Shard[] _shards;
    private readonly Func<byte[], GlobalLease>? _global;
    private readonly long _seed = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8));
    private readonly ulong _secret0 = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
    private readonly ulong _secret1 = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
    private readonly int _maxSlotsPerShard;
    private long _evictions;

    /// <param name="maxKeys">Upper bound on buckets held (twice as many slots, rounded up to a power of two per shard).</param>
    /// <param name="global">In global mode, makes the Redis lease for a key (called once per key insert).</param>
    public ClientBucketTable(ThrottleRate rate, int maxKeys, Func<byte[], GlobalLease>? global = null)
    {
        Rate = rate;
        _global = global;
        // Twice the slots of the key bound: linear probing stays short (a full table would evict on every miss).
        _maxSlotsPerShard = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(MaxProbes, 2 * ((maxKeys + ShardCount - 1) / ShardCount)));
        _shards = new Shard[ShardCount];
        for (int i = 0; i < ShardCount; i++)
        {
            _shards[i] = new Shard(Math.Min(InitialSlotsPerShard, _maxSlotsPerShard));
        }
    }

    public ThrottleRate Rate { get; }

    /// <summary>Slots the table may grow to.</summary>
    public int Capacity => _maxSlotsPerShard * ShardCount;

    public long Evictions => Interlocked.Read(ref _evictions);

    /// <summary>Bytes of slot memory currently allocated.</summary>
    public long AllocatedBytes
    {
        get
        {
            long bytes = 0;
            foreach (var shard in _shards)
            {
                bytes += (long)Volatile.Read(ref shard.Table).Length * Unsafe.SizeOf<Slot>();
            }

            return bytes;
        }
    }

    public int Count
    {
        get
        {
            int count = 0;
            foreach (var shard in _shards)
            {
                count += Volatile.Read(ref shard.Count);
            }

            return count;
        }
    }

    public bool TryTake(ReadOnlySpan<byte> key, long now, out ThrottleDecision decision)
    {
        if (key.Length > InlineKeyBytes || _global is not null)
        {
            return TryTakeSlow(key, now, out decision);
        }

        // The common case kept small enough for the JIT to hold it in registers: a short key, a local bucket.
        Pack(key, out ulong k0, out ulong k1);
        ulong hash = Mix(k0, k1) | HashMarker;
        var shard = _shards[(int)(hash & (ShardCount - 1))];
        ref Slot slot = ref Volatile.Read(ref shard.Table).FindInline(hash, k0, k1);
        if (!Unsafe.IsNullRef(ref slot) && TryTakeLockFree(ref slot, hash, now, out decision))
        {
            return decision.Allowed;
        }

        return TakeLocked(shard, key, hash, k0, k1, now, out decision);
    }

    /// <summary>Keys longer than a slot holds, and global mode.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryTakeSlow(ReadOnlySpan<byte> key, long now, out ThrottleDecision decision)
    {
        Pack(key, out ulong k0, out ulong k1);
        ulong hash = (key.Length <= InlineKeyBytes ? Mix(k0, k1) : XxHash3.HashToUInt64(key, _seed)) | HashMarker;
        var shard = _shards[(int)(hash & (ShardCount - 1))];
        var table = Volatile.Read(ref shard.Table);
        int found = table.Find(hash, k0, k1, key);
        if (found >= 0)
        {
            if (_global is null)
            {
                if (TryTakeLockFree(ref table.At(found), hash, now, out decision))
                {
                    return decision.Allowed;
                }
            }
            else if (table.LeaseAt(found, hash) is { } lease)
            {
                return lease.TryTake(now, out decision);
            }
        }

        return TakeLocked(shard, key, hash, k0, k1, now, out decision);
    }

    /// <summary>GCRA on the slot's TAT, unless the slot is being rewritten (then false: retry under the lock).</summary>
    private bool TryTakeLockFree(ref Slot slot, ulong hash, long now, out ThrottleDecision decision)
    {
        var rate = Rate;
        while (true)
        {
            long current = Volatile.Read(ref slot.Tat);
            if (current == Busy || Volatile.Read(ref slot.Hash) != hash)
            {
                decision = default;
                return false;
            }

            long next = Math.Max(current, now) + rate.Interval;
            long ahead = next - now;
            if (ahead > rate.Tolerance)
            {
                Gcra.Deny(current, rate, now, ahead, out decision);
                return true;
            }

            if (Interlocked.CompareExchange(ref slot.Tat, next, current) == current)
            {
                Gcra.Admit(rate, ahead, out decision);
                return true;
            }
        }
    }

    private bool TakeLocked(Shard shard, ReadOnlySpan<byte> key, ulong hash, ulong k0, ulong k1, long now, out ThrottleDecision decision)
    {
        lock (shard)
        {
            // Under the lock no slot of this shard is rewritten, so a found slot's TAT is never Busy here; lock-free
            // readers may still move it, hence the CAS loop in Gcra.
            var table = shard.Table;
            int found = table.Find(hash, k0, k1, key);
            if (found >= 0)
            {
                return table.Extras?[found]?.Global is { } lease
                    ? lease.TryTake(now, out decision)
                    : Gcra.TryTake(ref table.At(found).Tat, Rate, now, out decision);
            }

            // A new key: its first take decides the TAT it is stored with.
            SlotExtra? extra = null;
            bool allowed;
            long tat = 0;
            if (_global is not null || key.Length > InlineKeyBytes)
            {
                byte[] keyBytes = key.ToArray();
                extra = new SlotExtra(key.Length > InlineKeyBytes ? keyBytes : null, _global?.Invoke(keyBytes));
            }

            allowed = extra?.Global is { } global ? global.TryTake(now, out decision) : Gcra.TryTake(ref tat, Rate, now, out decision);
            Insert(shard, hash, k0, k1, extra, tat, now);
            return allowed;
        }
    }

    private void Insert(Shard shard, ulong hash, ulong k0, ulong k1, SlotExtra? extra, long tat, long now)
    {
        while (true)
        {
            var table = shard.Table;
            int mask = table.Length - 1;
            int home = (int)(hash >> 32) & mask;
            bool grow = table.Length < _maxSlotsPerShard && 2 * (shard.Count + 1) > table.Length;
            if (!grow)
            {
                for (int probe = 0; probe < MaxProbes; probe++)
                {
                    int index = (home + probe) & mask;
                    if (Volatile.Read(ref table.At(index).Hash) == 0)
                    {
                        table.Write(index, hash, k0, k1, extra, tat);
                        shard.Count++;
                        return;
                    }
                }

                if (table.Length < _maxSlotsPerShard)
                {
                    grow = true; // an unlucky run of probes: more room rather than forgetting a bucket
                }
            }

            if (grow)
            {
                Volatile.Write(ref shard.Table, table.Resized(table.Length * 2));
                continue;
            }

            // At the size limit, every probe slot busy: an idle bucket goes first (full again, so forgetting it
            // changes nothing), else the sampled bucket closest to full (the least recent heavy user).
            int victim = -1;
            long victimTat = long.MaxValue;
            for (int probe = 0; probe < EvictionSamples; probe++)
            {
                int index = (home + probe) & mask;
                if (table.Extras?[index]?.Global is not null)
                {
                    continue;
                }

                long existing = Volatile.Read(ref table.At(index).Tat);
                if (Gcra.IsIdle(existing, now))
                {
                    victim = index;
                    break;
                }

                if (existing < victimTat)
                {
                    victimTat = existing;
                    victim = index;
                }
            }

            if (victim < 0)
            {
                victim = home; // every sampled slot is a global lease: replace the first
            }
            else if (!Gcra.IsIdle(Volatile.Read(ref table.At(victim).Tat), now))
            {
                Interlocked.Increment(ref _evictions);
            }

            table.Write(victim, hash, k0, k1, extra, tat);
            return;
        }
    }
}
