using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EdgeGw.Core.Throttling;

/// <summary>The slot layout, the shards and their growable slot tables.</summary>
public sealed partial class ClientBucketTable
{
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
