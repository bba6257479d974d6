using System.Runtime.CompilerServices;

namespace EdgeGw.Core.Caching;

/// <summary>The store's shards: table, CLOCK ring and their lock-free read protocol.</summary>
public sealed partial class ResponseCache
{
    /// <summary>
    /// One sixteenth of the store: an open-addressing table (linear probing) and the CLOCK ring. A slot holds the
    /// hash, the entry reference, its expiry and the key bytes themselves (up to <see cref="InlineKeyBytes"/>;
    /// longer keys by reference), so a hit reads one slot — two or three adjacent cache lines fetched together —
    /// and never follows a pointer before it knows it has the right key. Readers probe without the lock; writers
    /// hold it. A reader may see a slot mid-update or a table about to be replaced: it trusts a slot only if the
    /// entry reference did not change while it read the rest (an entry object is stored once, so the reference
    /// identifies what was read), and it always compares the full key.
    /// </summary>
    private sealed class Shard
    {
        /// <summary>Key bytes kept in the slot: a 128-byte slot with its 37 bytes of other fields.</summary>
        private const int InlineKeyBytes = 91;

        private static readonly CacheEntry Tombstone = new([], 0, [], 0, 0, 0, 0, 0);

        public readonly List<CacheEntry> Ring = [];
        public int Hand;
        private Slot[] _table = new Slot[16];
        private int _used;

        /// <summary>
        /// The entry stored under <paramref name="key"/>, with its expiry, read from the slot alone; an entry being
        /// removed concurrently may still be returned, as if the lookup had come a moment earlier.
        /// </summary>
        public CacheEntry? Find(ReadOnlySpan<byte> key, ulong hash, out long expires)
        {
            var table = Volatile.Read(ref _table);
            int mask = table.Length - 1;
            int index = (int)(hash >> 32) & mask;
            for (int probes = 0; probes < table.Length; probes++)
            {
                ref Slot slot = ref table[index];
                var entry = Volatile.Read(ref slot.Entry);
                if (entry is null)
                {
                    break;
                }

                if (slot.Hash == hash && slot.KeyLength == key.Length && !ReferenceEquals(entry, Tombstone))
                {
                    bool same = key.Length <= InlineKeyBytes
                        ? ((ReadOnlySpan<byte>)slot.InlineKey)[..key.Length].SequenceEqual(key)
                        : slot.Key.AsSpan().SequenceEqual(key);
                    expires = slot.Expires;
                    // The fields above were read before the entry reference is read again (the writer publishes
                    // the reference last and replaces it first).
                    Volatile.ReadBarrier();
                    if (same && ReferenceEquals(Volatile.Read(ref slot.Entry), entry))
                    {
                        // CLOCK's reference bit lives in the slot, already in cache: set on every hit, written
                        // only when the hand has cleared it. A slot reused meanwhile just gets a second chance.
                        if (slot.Referenced == 0)
                        {
                            slot.Referenced = 1;
                        }

                        return entry;
                    }
                }

                index = (index + 1) & mask;
            }

            expires = 0;
            return null;
        }

        /// <summary>
        /// Puts <paramref name="entry"/> in the table, in the slot of the entry with the same key if there is one,
        /// which it returns (still in the ring: the caller removes it). Caller holds the lock.
        /// </summary>
        public CacheEntry? Store(CacheEntry entry)
        {
            if ((_used + 1) * 2 > _table.Length)
            {
                Rebuild();
            }

            var table = _table;
            int mask = table.Length - 1;
            int index = (int)(entry.Hash >> 32) & mask;
            int free = -1;
            var key = entry.Key;
            for (int probes = 0; probes < table.Length; probes++)
            {
                ref Slot slot = ref table[index];
                var current = slot.Entry;
                if (current is null)
                {
                    break;
                }

                if (ReferenceEquals(current, Tombstone))
                {
                    free = free < 0 ? index : free;
                }
                else if (slot.Hash == entry.Hash && current.Key.AsSpan().SequenceEqual(key))
                {
                    Rewrite(ref slot, entry);
                    return current;
                }

                index = (index + 1) & mask;
            }

            if (free < 0)
            {
                free = index;
                _used++;
            }

            Rewrite(ref table[free], entry);
            return null;
        }

        /// <summary>
        /// Replaces a slot's contents: a live entry is buried first, so no reader can pair it with the new fields;
        /// the new reference is published last.
        /// </summary>
        private static void Rewrite(ref Slot slot, CacheEntry entry)
        {
            if (slot.Entry is not null && !ReferenceEquals(slot.Entry, Tombstone))
            {
                Bury(ref slot);
            }

            Fill(ref slot, entry);
            Volatile.Write(ref slot.Entry, entry);
        }

        /// <summary>CLOCK's test-and-clear of the entry's reference bit. Caller holds the lock.</summary>
        public bool ClearReferenced(CacheEntry entry)
        {
            ref Slot slot = ref SlotOf(entry);
            if (Unsafe.IsNullRef(ref slot) || slot.Referenced == 0)
            {
                return false;
            }

            slot.Referenced = 0;
            return true;
        }

        /// <summary>Caller holds the lock.</summary>
        public void Delete(CacheEntry entry)
        {
            ref Slot slot = ref SlotOf(entry);
            if (!Unsafe.IsNullRef(ref slot))
            {
                Bury(ref slot);
            }
        }

        /// <summary>
        /// Replaces a live slot's entry with the tombstone, which keeps probe chains through the slot intact. A full
        /// fence, so that no write of a later reuse of the slot becomes visible before it.
        /// </summary>
        private static void Bury(ref Slot slot) => Interlocked.Exchange(ref slot.Entry, Tombstone);

        /// <summary>The slot holding <paramref name="entry"/>, or a null ref. Caller holds the lock.</summary>
        private ref Slot SlotOf(CacheEntry entry)
        {
            var table = _table;
            int mask = table.Length - 1;
            int index = (int)(entry.Hash >> 32) & mask;
            for (int probes = 0; probes < table.Length; probes++)
            {
                ref Slot slot = ref table[index];
                if (slot.Entry is null)
                {
                    break;
                }

                if (ReferenceEquals(slot.Entry, entry))
                {
                    return ref slot;
                }

                index = (index + 1) & mask;
            }

            return ref Unsafe.NullRef<Slot>();
        }

        /// <summary>
        /// New table sized for the live entries (dropping tombstones, keeping reference bits), published with one
        /// write.
        /// </summary>
        private void Rebuild()
        {
            int live = Ring.Count;
            int size = 16;
            while (size < (live + 1) * 2)
            {
                size <<= 1;
            }

            var table = new Slot[size];
            int mask = size - 1;
            foreach (ref readonly Slot old in _table.AsSpan())
            {
                var entry = old.Entry;
                if (entry is null || ReferenceEquals(entry, Tombstone))
                {
                    continue;
                }

                int index = (int)(entry.Hash >> 32) & mask;
                while (table[index].Entry is not null)
                {
                    index = (index + 1) & mask;
                }

                Fill(ref table[index], entry);
                table[index].Referenced = old.Referenced;
                table[index].Entry = entry;
            }

            _used = live;
            Volatile.Write(ref _table, table);
        }

        /// <summary>Writes everything but the entry reference, which the caller publishes last.</summary>
        private static void Fill(ref Slot slot, CacheEntry entry)
        {
            var key = entry.Key;
            slot.Hash = entry.Hash;
            slot.Expires = entry.ExpiresTimestamp;
            slot.KeyLength = key.Length;
            if (key.Length <= InlineKeyBytes)
            {
                key.CopyTo((Span<byte>)slot.InlineKey);
                slot.Key = null;
            }
            else
            {
                slot.Key = key;
            }

            slot.Referenced = 0;
        }

        private struct Slot
        {
            public ulong Hash;
            public CacheEntry? Entry;
            /// <summary>The key when it is longer than <see cref="InlineKeyBytes"/>.</summary>
            public byte[]? Key;
            public long Expires;
            public int KeyLength;
            /// <summary>CLOCK's reference bit: set by hits, cleared by the hand.</summary>
            public byte Referenced;
            public InlineKeyBuffer InlineKey;
        }

        [InlineArray(InlineKeyBytes)]
        private struct InlineKeyBuffer
        {
            private byte _first;
        }
    }
}
