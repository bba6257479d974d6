using System.Collections.Concurrent;
using System.IO.Hashing;
using System.Security.Cryptography;
using EdgeGw.Transport;

namespace EdgeGw.Core.Caching;

/// <summary>
/// The response cache store: a byte-budgeted map from full request keys to ready-to-write responses.
/// <para>
/// Lookups take no lock: the shard's open-addressing table is probed by a seeded xxHash3 of the key, then the
/// full key is compared. Writes and removals (misses, which already paid an upstream round trip) take one
/// shard lock at a time and publish a new table with one volatile write when it grows.
/// Eviction is CLOCK over each shard's ring with TinyLFU admission: a new entry only displaces a victim it is
/// requested more often than, so a scan of one-off keys cannot flush the hot set — the weakness of plain LRU.
/// Expired entries go when a lookup meets them, when the hand passes them, or in the periodic sweep.
/// </para>
/// </summary>
public sealed partial class ResponseCache : IDisposable
{
    private const int ShardCount = 16;
    private const int HitSampling = 4;

    private readonly ConcurrentDictionary<ulong, CacheFill> _fills = new();
    private readonly Shard[] _shards = new Shard[ShardCount];
    private readonly FrequencySketch _sketch;
    private readonly TimeProvider _time;
    private readonly long _seed = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8));
    private readonly ITimer? _sweeper;
    private readonly StripedCounter _hits = new();
    private readonly StripedCounter _misses = new();
    private readonly StripedCounter _stores = new();
    private long _rejected;
    private long _evictions;
    private long _expirations;
    private long _bytes;
    private long _count;
    private long _maxBytes;
    private int _maxEntryBytes;

    public ResponseCache(CacheStoreSettings settings, TimeProvider time, TimeSpan? sweepInterval = null)
    {
        _time = time;
        _maxBytes = settings.MaxBytes;
        _maxEntryBytes = settings.MaxEntryBytes;
        // Sized for the budget filled with ~4 KiB entries; a wider sketch only costs memory.
        _sketch = new FrequencySketch((int)Math.Min(settings.MaxBytes / 4096, 1 << 22));
        for (int i = 0; i < _shards.Length; i++)
        {
            _shards[i] = new Shard();
        }

        var interval = sweepInterval ?? TimeSpan.FromSeconds(1);
        if (interval > TimeSpan.Zero)
        {
            _sweeper = time.CreateTimer(static s => ((ResponseCache)s!).SweepExpired(), this, interval, interval);
        }
    }

    /// <summary>
    /// The store's timestamp (<see cref="TimeProvider.GetTimestamp"/> units). Reading the clock costs ~20 ns on a
    /// VM, a fifth of a hit: on a loop thread this is the loop's own (<see cref="LoopClock"/>), so entries may
    /// outlive their TTL by one batch of events' work (Age is whole seconds anyway).
    /// </summary>
    public long Now => LoopClock.Now(_time);

    public long MaxBytes => Volatile.Read(ref _maxBytes);
    public int MaxEntryBytes => Volatile.Read(ref _maxEntryBytes);
    public long Bytes => Volatile.Read(ref _bytes);
    public int Count => (int)Interlocked.Read(ref _count);

    public CacheStatistics Statistics => new(
        _hits.Value, _misses.Value, _stores.Value, Interlocked.Read(ref _rejected),
        Interlocked.Read(ref _evictions), Interlocked.Read(ref _expirations), Count, Bytes);

    /// <summary>Applies new limits from a reloaded configuration; shrinking evicts on the next stores and sweeps.</summary>
    public void Resize(CacheStoreSettings settings)
    {
        Volatile.Write(ref _maxBytes, settings.MaxBytes);
        Volatile.Write(ref _maxEntryBytes, settings.MaxEntryBytes);
    }

    /// <summary>The key hash: xxHash3 with a per-process random seed, so collisions cannot be precomputed.</summary>
    public ulong Hash(ReadOnlySpan<byte> key) => XxHash3.HashToUInt64(key, _seed);

    /// <summary>Returns the live entry for <paramref name="key"/>, or null. Allocates nothing and takes no lock.</summary>
    public CacheEntry? TryGet(ReadOnlySpan<byte> key, ulong hash)
    {
        var shard = _shards[(int)(hash & (ShardCount - 1))];
        var entry = shard.Find(key, hash, out long expires);
        if (entry is not null)
        {
            if (Now < expires)
            {
                // A hit reads the slot (which carries the CLOCK bit) and nothing else. The sketch line, a random
                // line elsewhere, is sampled: every HitSampling-th hit on this core adds HitSampling for its key.
                // Sampling on a per-core sequence (not a counter in the entry) keeps a hit from writing to shared
                // memory.
                if ((_hits.IncrementAndGet() & (HitSampling - 1)) == 0)
                {
                    _sketch.Increment(hash, HitSampling);
                }

                return entry;
            }

            lock (shard)
            {
                if (RemoveLocked(shard, entry))
                {
                    Interlocked.Increment(ref _expirations);
                }
            }
        }

        _sketch.Increment(hash);
        _misses.Increment();
        return null;
    }

    /// <summary>Counts a lookup that was answered without <see cref="TryGet"/> (a refresh forced by the client).</summary>
    public void CountMiss(ulong hash)
    {
        _sketch.Increment(hash);
        _misses.Increment();
    }

    /// <summary>A response that outgrew <c>maxEntryBytes</c> while it streamed, so never reached <see cref="TrySet"/>.</summary>
    public void CountRejected() => Interlocked.Increment(ref _rejected);

    /// <summary>
    /// Stores <paramref name="entry"/> if it fits the budget and wins admission against the eviction victims it
    /// would displace. Returns whether it was stored.
    /// </summary>
    public bool TrySet(CacheEntry entry)
    {
        long maxBytes = MaxBytes;
        if (entry.Size - CacheEntry.Overhead > MaxEntryBytes || entry.Size > maxBytes)
        {
            Interlocked.Increment(ref _rejected);
            return false;
        }

        int home = (int)(entry.Hash & (ShardCount - 1));
        int candidateFrequency = _sketch.Estimate(entry.Hash);

        // Make room one shard lock at a time (never two at once), starting with the entry's own shard.
        for (int i = 0; i < ShardCount && Volatile.Read(ref _bytes) + entry.Size > maxBytes;)
        {
            var shard = _shards[(home + i) & (ShardCount - 1)];
            EvictResult result;
            lock (shard)
            {
                result = EvictOne(shard, candidateFrequency);
            }

            if (result == EvictResult.Rejected)
            {
                Interlocked.Increment(ref _rejected);
                return false;
            }

            if (result == EvictResult.Empty)
            {
                i++;
            }
        }

        if (Volatile.Read(ref _bytes) + entry.Size > maxBytes)
        {
            Interlocked.Increment(ref _rejected);
            return false;
        }

        var own = _shards[home];
        lock (own)
        {
            // A replacement takes over the previous entry's slot: one probe, one update of the shared counters.
            long added = entry.Size;
            var previous = own.Store(entry);
            if (previous is not null && previous.MarkRemoved())
            {
                RemoveFromRing(own, previous);
                added -= previous.Size;
            }
            else
            {
                Interlocked.Increment(ref _count);
            }

            entry.Slot = own.Ring.Count;
            own.Ring.Add(entry);
            Interlocked.Add(ref _bytes, added);
        }

        _stores.Increment();
        return true;
    }

    /// <summary>Removes the entry for one exact key. Returns whether one was removed.</summary>
    public bool Remove(ReadOnlySpan<byte> key)
    {
        ulong hash = Hash(key);
        var shard = _shards[(int)(hash & (ShardCount - 1))];
        lock (shard)
        {
            return shard.Find(key, hash, out _) is { } entry && RemoveLocked(shard, entry);
        }
    }

    /// <summary>
    /// Removes every entry whose key starts with <paramref name="keyPrefix"/> (a stage: <c>api \0 stage \0</c>),
    /// and, when <paramref name="path"/> is given, whose request path equals it. Returns the number removed.
    /// </summary>
    public int RemoveWhere(ReadOnlySpan<byte> keyPrefix, ReadOnlySpan<byte> path, bool matchPath)
    {
        int removed = 0;
        foreach (var shard in _shards)
        {
            lock (shard)
            {
                for (int i = shard.Ring.Count - 1; i >= 0; i--)
                {
                    var entry = shard.Ring[i];
                    if (entry.Key.AsSpan().StartsWith(keyPrefix) && (!matchPath || entry.Path.SequenceEqual(path)) && RemoveLocked(shard, entry))
                    {
                        removed++;
                    }
                }
            }
        }

        return removed;
    }

    /// <summary>
    /// Registers a fetch for a missed key so that concurrent misses wait for it. A leader must call
    /// <see cref="CompleteFill"/> exactly once, whatever happens to its fetch.
    /// </summary>
    public FillRole TryBeginFill(ReadOnlySpan<byte> key, ulong hash, out CacheFill? fill)
    {
        if (_fills.TryGetValue(hash, out fill))
        {
            if (fill.Key.AsSpan().SequenceEqual(key))
            {
                return FillRole.Follower;
            }

            fill = null;
            return FillRole.Alone;
        }

        var created = new CacheFill(key.ToArray(), hash);
        fill = _fills.GetOrAdd(hash, created);
        if (ReferenceEquals(fill, created))
        {
            return FillRole.Leader;
        }

        if (fill.Key.AsSpan().SequenceEqual(key))
        {
            return FillRole.Follower;
        }

        fill = null;
        return FillRole.Alone;
    }

    public void CompleteFill(CacheFill fill, CacheEntry? entry)
    {
        _fills.TryRemove(new KeyValuePair<ulong, CacheFill>(fill.Hash, fill));
        fill.Complete(entry);
    }

    /// <summary>Number of fetches other requests may currently be waiting on.</summary>
    public int PendingFills => _fills.Count;

    /// <summary>Drops expired entries, one shard lock at a time.</summary>
    public void SweepExpired()
    {
        long now = Now;
        foreach (var shard in _shards)
        {
            lock (shard)
            {
                for (int i = shard.Ring.Count - 1; i >= 0; i--)
                {
                    var entry = shard.Ring[i];
                    if (now >= entry.ExpiresTimestamp && RemoveLocked(shard, entry))
                    {
                        Interlocked.Increment(ref _expirations);
                    }
                }
            }
        }

        // A shrunk budget (reload) is enforced here too, so memory follows the new limit without new stores.
        for (int i = 0; i < ShardCount && Volatile.Read(ref _bytes) > MaxBytes;)
        {
            var shard = _shards[i];
            lock (shard)
            {
                if (EvictOne(shard, int.MaxValue) == EvictResult.Empty)
                {
                    i++;
                }
            }
        }
    }

    /// <summary>Removes every entry (used by tests and the admin API's full flush).</summary>
    public int Clear() => RemoveWhere([], [], matchPath: false);

    public void Dispose()
    {
        _sweeper?.Dispose();
    }

    private enum EvictResult : byte
    {
        Evicted,
        Rejected,
        Empty,
    }

    /// <summary>
    /// One step of CLOCK: expired or removed entries go first; a referenced entry gets a second chance;
    /// the first unreferenced one is the victim, evicted only if the candidate is asked for more often.
    /// Caller holds the shard lock.
    /// </summary>
    private EvictResult EvictOne(Shard shard, int candidateFrequency)
    {
        long now = Now;
        var ring = shard.Ring;
        for (int steps = 2 * ring.Count + 1; steps > 0 && ring.Count > 0; steps--)
        {
            if (shard.Hand >= ring.Count)
            {
                shard.Hand = 0;
            }

            var entry = ring[shard.Hand];
            if (now >= entry.ExpiresTimestamp)
            {
                if (RemoveLocked(shard, entry))
                {
                    Interlocked.Increment(ref _expirations);
                }

                return EvictResult.Evicted;
            }

            if (shard.ClearReferenced(entry))
            {
                shard.Hand++;
                continue;
            }

            if (candidateFrequency <= _sketch.Estimate(entry.Hash))
            {
                // Keep the victim but move past it, so the next candidate meets another one.
                shard.Hand++;
                return EvictResult.Rejected;
            }

            if (RemoveLocked(shard, entry))
            {
                Interlocked.Increment(ref _evictions);
            }

            return EvictResult.Evicted;
        }

        return EvictResult.Empty;
    }

    /// <summary>Takes an entry out of its shard's table, ring and the byte count. Caller holds the shard lock.</summary>
    private bool RemoveLocked(Shard shard, CacheEntry entry)
    {
        if (!entry.MarkRemoved())
        {
            return false;
        }

        shard.Delete(entry);
        RemoveFromRing(shard, entry);
        Interlocked.Add(ref _bytes, -entry.Size);
        Interlocked.Decrement(ref _count);
        return true;
    }

    /// <summary>Swap-remove from the ring. Caller holds the shard lock.</summary>
    private static void RemoveFromRing(Shard shard, CacheEntry entry)
    {
        int slot = entry.Slot;
        var ring = shard.Ring;
        if ((uint)slot >= (uint)ring.Count || !ReferenceEquals(ring[slot], entry))
        {
            return;
        }

        int last = ring.Count - 1;
        if (slot != last)
        {
            var moved = ring[last];
            ring[slot] = moved;
            moved.Slot = slot;
        }

        ring.RemoveAt(last);
        entry.Slot = -1;
    }
}
