using System.IO.Hashing;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
public sealed class ClientBucketTable
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

    /// <summary>
    /// The hash of a key packed into two words: XXH3's construction for 9-16 byte inputs (the words keyed with
    /// per-process secrets, a 128-bit multiply folded to 64 bits, XXH3's avalanche), inline instead of a call
    /// through the general entry point. Secret keys keep the probe sequences unpredictable to clients.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Mix(ulong k0, ulong k1)
    {
        ulong high = Math.BigMul(k0 ^ _secret0, k1 ^ _secret1, out ulong low);
        ulong hash = high ^ low ^ k1;
        hash ^= hash >> 37;
        hash *= 0x165667919E3779F9UL;
        return hash ^ (hash >> 32);
    }

    /// <summary>
    /// The key as two words: up to 15 bytes inline with the length in the last byte; a longer key keeps its first
    /// 15 bytes and a marker, and is compared in full against the copy in its slot's extra.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pack(ReadOnlySpan<byte> key, out ulong k0, out ulong k1)
    {
        // Overlapping unaligned loads instead of a copy: an IPv4 address packs in four loads and two shifts.
        ref byte start = ref MemoryMarshal.GetReference(key);
        int length = key.Length;
        if (length >= 8)
        {
            k0 = Unsafe.ReadUnaligned<ulong>(ref start);
            if (length > InlineKeyBytes)
            {
                ulong next = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, 8));
                k1 = (next & 0x00FF_FFFF_FFFF_FFFFUL) | ((ulong)LongKeyMarker << 56);
                return;
            }

            // Bytes 8..length-1 from the last eight bytes, shifted down past the ones k0 already holds.
            ulong tail = length == 8 ? 0 : Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, length - 8)) >> (8 * (16 - length));
            k1 = tail | ((ulong)length << 56);
            return;
        }

        k1 = (ulong)length << 56;
        if (length >= 4)
        {
            ulong low = Unsafe.ReadUnaligned<uint>(ref start);
            ulong high = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, length - 4));
            k0 = low | (high << (8 * (length - 4)));
            return;
        }

        k0 = PackFewBytes(key);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ulong PackFewBytes(ReadOnlySpan<byte> key)
    {
        ulong packed = 0;
        for (int i = 0; i < key.Length; i++)
        {
            packed |= (ulong)key[i] << (8 * i);
        }

        return packed;
    }

    [StructLayout(LayoutKind.Sequential, Size = 32)]
    private struct Slot
    {
        public ulong Hash;
        public long Tat;
        public ulong K0;
        public ulong K1;
    }

    /// <summary>What does not fit a slot: a key longer than 15 bytes, the Redis lease in global mode.</summary>
    private sealed record SlotExtra(byte[]? LongKey, GlobalLease? Global);

    private sealed class Shard(int slots)
    {
        public SlotTable Table = new(slots, withExtras: false);
        /// <summary>Occupied slots; written under the shard's lock.</summary>
        public int Count;
    }

    /// <summary>
    /// A power-of-two array of 32-byte slots starting on a 32-byte boundary (pinned, so the boundary holds), two to
    /// a cache line; plus, once a key needs one, a parallel array of extras.
    /// </summary>
    private sealed class SlotTable
    {
        private readonly byte[] _memory;
        private readonly int _offset;

        public SlotTable(int length, bool withExtras)
        {
            Length = length;
            // One spare slot's worth of bytes to align into.
            _memory = GC.AllocateArray<byte>(length * 32 + 32, pinned: true);
            nint address;
            unsafe
            {
                address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_memory));
            }

            _offset = (int)((32 - (address & 31)) & 31);
            Extras = withExtras ? new SlotExtra?[length] : null;
        }

        public int Length { get; }
        public SlotExtra?[]? Extras { get; private set; }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ref Slot At(int index) =>
            ref Unsafe.As<byte, Slot>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_memory), _offset + (index << 5)));

        /// <summary>As <see cref="Find"/>, for a key that fits its slot: the slot, or a null reference.</summary>
        public ref Slot FindInline(ulong hash, ulong k0, ulong k1)
        {
            int mask = Length - 1;
            int home = (int)(hash >> 32) & mask;
            for (int probe = 0; probe < MaxProbes; probe++)
            {
                ref Slot slot = ref At((home + probe) & mask);
                ulong stored = Volatile.Read(ref slot.Hash);
                if (stored == hash && Volatile.Read(ref slot.K0) == k0 && Volatile.Read(ref slot.K1) == k1)
                {
                    return ref slot;
                }

                if (stored == 0)
                {
                    break; // nothing is ever removed, so an empty slot ends the run
                }
            }

            return ref Unsafe.NullRef<Slot>();
        }

        /// <summary>The slot index holding the key, or -1 (absent, or a slot on the way changing: the caller locks).</summary>
        public int Find(ulong hash, ulong k0, ulong k1, ReadOnlySpan<byte> key)
        {
            int mask = Length - 1;
            int home = (int)(hash >> 32) & mask;
            for (int probe = 0; probe < MaxProbes; probe++)
            {
                int index = (home + probe) & mask;
                ref Slot slot = ref At(index);
                ulong stored = Volatile.Read(ref slot.Hash);
                if (stored == 0)
                {
                    return -1; // nothing is ever removed, so an empty slot ends the run
                }

                if (stored == hash && Volatile.Read(ref slot.K0) == k0 && Volatile.Read(ref slot.K1) == k1
                    && (key.Length <= InlineKeyBytes || (Extras is { } extras && Volatile.Read(ref extras[index])?.LongKey is { } longKey && key.SequenceEqual(longKey))))
                {
                    return index;
                }
            }

            return -1;
        }

        /// <summary>The Redis lease of a found slot, unless the slot changed since it was found.</summary>
        public GlobalLease? LeaseAt(int index, ulong hash)
        {
            var lease = Extras is { } extras ? Volatile.Read(ref extras[index])?.Global : null;
            return Volatile.Read(ref At(index).Hash) == hash ? lease : null;
        }

        /// <summary>Rewrites a slot; under the shard's lock.</summary>
        public void Write(int index, ulong hash, ulong k0, ulong k1, SlotExtra? extra, long tat)
        {
            ref Slot slot = ref At(index);
            if (Volatile.Read(ref slot.Hash) != 0)
            {
                Volatile.Write(ref slot.Hash, 0);
            }

            long previous = Interlocked.Exchange(ref slot.Tat, Busy);
            // A reader that read the old TAT may still try to swap it: make sure the new TAT differs from it, so that
            // swap fails instead of charging this key (one tick of credit is nothing).
            if (tat == previous)
            {
                tat--;
            }

            slot.K0 = k0;
            slot.K1 = k1;
            if (extra is not null || Extras is not null)
            {
                Extras ??= new SlotExtra?[Length];
                Volatile.Write(ref Extras[index], extra);
            }

            Volatile.Write(ref slot.Tat, tat);
            Volatile.Write(ref slot.Hash, hash);
        }

        /// <summary>
        /// A larger copy. Every old slot's TAT is first swapped for <see cref="Busy"/>, so a lock-free reader still
        /// on the old table cannot take a token the copy would not see: it fails its CAS and retries under the
        /// lock, on the new table.
        /// </summary>
        public SlotTable Resized(int length)
        {
            var tats = new long[Length];
            for (int i = 0; i < Length; i++)
            {
                if (At(i).Hash != 0)
                {
                    tats[i] = Interlocked.Exchange(ref At(i).Tat, Busy);
                }
            }

            while (true)
            {
                var bigger = new SlotTable(length, Extras is not null);
                if (TryCopyInto(bigger, tats))
                {
                    return bigger;
                }

                length *= 2; // a probe run longer than the limit even at half the load: very unlikely, but never lose a key
            }
        }

        private bool TryCopyInto(SlotTable bigger, long[] tats)
        {
            int mask = bigger.Length - 1;
            for (int i = 0; i < Length; i++)
            {
                ref Slot slot = ref At(i);
                ulong hash = slot.Hash;
                if (hash == 0)
                {
                    continue;
                }

                int home = (int)(hash >> 32) & mask;
                int probe = 0;
                while (probe < MaxProbes && bigger.At((home + probe) & mask).Hash != 0)
                {
                    probe++;
                }

                if (probe == MaxProbes)
                {
                    return false;
                }

                int index = (home + probe) & mask;
                ref Slot target = ref bigger.At(index);
                target.K0 = slot.K0;
                target.K1 = slot.K1;
                target.Tat = tats[i];
                target.Hash = hash;
                if (Extras is not null)
                {
                    bigger.Extras![index] = Extras[i];
                }
            }

            return true;
        }
    }
}
