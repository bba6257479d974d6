using System.Text;
using EdgeGw.Core.Caching;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGw.Core.Tests.Caching;

public sealed class ResponseCacheTests
{
    private readonly FakeTimeProvider _time = new();

    private ResponseCache NewCache(long maxBytes = 1 << 20, int maxEntryBytes = 64 * 1024) =>
        new(new CacheStoreSettings
        {
            MaxBytes = maxBytes,
            MaxEntryBytes = maxEntryBytes,
            StatusHeader = "X-Cache"u8.ToArray(),
            CoalesceTimeout = TimeSpan.FromSeconds(5),
        }, _time, sweepInterval: TimeSpan.Zero);

    private CacheEntry Entry(ResponseCache cache, string key, int bodyBytes = 10, int ttlSeconds = 60, ulong? hash = null)
    {
        byte[] keyBytes = Encoding.ASCII.GetBytes(key);
        byte[] head = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n"u8.ToArray();
        byte[] response = [.. head, .. new byte[bodyBytes]];
        long now = _time.GetTimestamp();
        return new CacheEntry(keyBytes, hash ?? cache.Hash(keyBytes), response, head.Length, now, now + ttlSeconds * _time.TimestampFrequency, 0, keyBytes.Length);
    }

    private static CacheEntry? Get(ResponseCache cache, string key)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(key);
        return cache.TryGet(bytes, cache.Hash(bytes));
    }

    [Fact]
    public void Set_ThenGet_ReturnsTheEntry_UntilItsTtlEnds()
    {
        using var cache = NewCache();
        var entry = Entry(cache, "k", ttlSeconds: 10);

        Assert.True(cache.TrySet(entry));
        Assert.Same(entry, Get(cache, "k"));
        _time.Advance(TimeSpan.FromSeconds(9.9));
        Assert.Same(entry, Get(cache, "k"));
        _time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Null(Get(cache, "k"));

        var stats = cache.Statistics;
        Assert.Equal((2, 1, 1, 0L), (stats.Hits, stats.Misses, stats.Expirations, stats.Bytes));
    }

    [Fact]
    public void SameHash_DifferentKey_IsAMiss_NeverTheOtherKeysBytes()
    {
        using var cache = NewCache();
        Assert.True(cache.TrySet(Entry(cache, "victim", hash: 42)));

        byte[] attacker = "attacker"u8.ToArray();
        Assert.Null(cache.TryGet(attacker, 42));
        Assert.NotNull(cache.TryGet("victim"u8, 42));
    }

    [Fact]
    public void Hash_IsSeededPerInstance()
    {
        using var a = NewCache();
        using var b = NewCache();
        Assert.NotEqual(a.Hash("same key"u8), b.Hash("same key"u8));
    }

    [Fact]
    public void EntryOverTheEntryLimit_IsRejected()
    {
        using var cache = NewCache(maxEntryBytes: 1000);
        Assert.False(cache.TrySet(Entry(cache, "big", bodyBytes: 2000)));
        Assert.Equal(1, cache.Statistics.Rejected);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Budget_IsNeverExceeded_AndPopularEntriesSurviveAScan()
    {
        // ~1.5 KiB entries (with the bookkeeping charged per entry), 24 KiB budget: room for about 15.
        using var cache = NewCache(maxBytes: 24 * 1024, maxEntryBytes: 4096);
        for (int i = 0; i < 10; i++)
        {
            string key = $"hot{i}";
            Get(cache, key);
            Assert.True(cache.TrySet(Entry(cache, key, bodyBytes: 1000)));
            for (int hit = 0; hit < 5; hit++)
            {
                Assert.NotNull(Get(cache, key));
            }
        }

        // A scan: 1,000 keys, each asked for once, as a crawler would.
        for (int i = 0; i < 1000; i++)
        {
            string key = $"scan{i}";
            if (Get(cache, key) is null)
            {
                cache.TrySet(Entry(cache, key, bodyBytes: 1000));
            }

            Assert.InRange(cache.Bytes, 0, 24 * 1024);
        }

        for (int i = 0; i < 10; i++)
        {
            Assert.NotNull(Get(cache, $"hot{i}"));
        }
    }

    [Fact]
    public void ANewKey_MorePopularThanTheVictim_IsAdmitted()
    {
        using var cache = NewCache(maxBytes: 8 * 1024, maxEntryBytes: 4096);
        for (int i = 0; i < 20; i++)
        {
            Get(cache, $"old{i}");
            cache.TrySet(Entry(cache, $"old{i}", bodyBytes: 1000));
        }

        int before = cache.Count;
        for (int ask = 0; ask < 3; ask++)
        {
            Get(cache, "rising");
        }

        Assert.True(cache.TrySet(Entry(cache, "rising", bodyBytes: 1000)));
        Assert.NotNull(Get(cache, "rising"));
        Assert.True(cache.Statistics.Evictions >= 1);
        Assert.InRange(cache.Count, 1, before);
    }

    [Fact]
    public void ExpiredEntry_IsEvictedBeforeLiveOnes_WhatEverItsPopularity()
    {
        using var cache = NewCache(maxBytes: 4 * 1024, maxEntryBytes: 4096);
        for (int hit = 0; hit < 10; hit++)
        {
            Get(cache, "popular-but-expiring");
        }

        Assert.True(cache.TrySet(Entry(cache, "popular-but-expiring", bodyBytes: 3000, ttlSeconds: 1)));
        _time.Advance(TimeSpan.FromSeconds(2));

        // Asked for once: it would never win against a live entry asked for ten times.
        Get(cache, "newcomer");
        Assert.True(cache.TrySet(Entry(cache, "newcomer", bodyBytes: 3000)));
        Assert.Equal(1, cache.Statistics.Expirations);
        Assert.Equal(0, cache.Statistics.Evictions);
    }

    [Fact]
    public void Sweep_ReclaimsExpiredEntries_WithoutLookups()
    {
        using var cache = NewCache();
        for (int i = 0; i < 50; i++)
        {
            cache.TrySet(Entry(cache, $"k{i}", ttlSeconds: i < 30 ? 5 : 500));
        }

        _time.Advance(TimeSpan.FromSeconds(10));
        cache.SweepExpired();

        Assert.Equal(20, cache.Count);
        Assert.Equal(30, cache.Statistics.Expirations);
        Assert.Equal(20 * Entry(cache, "k99").Size, cache.Bytes);
    }

    [Fact]
    public void Resize_ToASmallerBudget_IsEnforcedByTheSweep()
    {
        using var cache = NewCache(maxBytes: 1 << 20);
        for (int i = 0; i < 100; i++)
        {
            cache.TrySet(Entry(cache, $"k{i}", bodyBytes: 1000));
        }

        cache.Resize(new CacheStoreSettings { MaxBytes = 10 * 1024, MaxEntryBytes = 4096, StatusHeader = [], CoalesceTimeout = TimeSpan.Zero });
        cache.SweepExpired();

        Assert.InRange(cache.Bytes, 1, 10 * 1024);
    }

    [Fact]
    public void Replacing_AKey_KeepsOneEntryAndItsBytes()
    {
        using var cache = NewCache();
        var first = Entry(cache, "k");
        var second = Entry(cache, "k", bodyBytes: 20);

        cache.TrySet(first);
        cache.TrySet(second);

        Assert.Same(second, Get(cache, "k"));
        Assert.Equal(1, cache.Count);
        Assert.Equal(second.Size, cache.Bytes);
    }

    [Fact]
    public void RemoveWhere_MatchesStagePrefix_AndOptionallyPath()
    {
        using var cache = NewCache();
        byte[] Key(string stage, string path) => Encoding.ASCII.GetBytes($"api\0{stage}\0GET /x\0GET {path}");
        CacheEntry Make(string stage, string path)
        {
            byte[] key = Key(stage, path);
            int pathOffset = key.Length - path.Length;
            return new CacheEntry(key, cache.Hash(key), "HTTP/1.1 200 OK\r\n"u8.ToArray(), 17, 0, long.MaxValue, pathOffset, path.Length);
        }

        foreach (var (stage, path) in new[] { ("prod", "/a"), ("prod", "/b"), ("prod", "/a/b"), ("dev", "/a") })
        {
            cache.TrySet(Make(stage, path));
        }

        Assert.Equal(1, cache.RemoveWhere("api\0prod\0"u8, "/a"u8, matchPath: true));
        Assert.Equal(2, cache.RemoveWhere("api\0prod\0"u8, default, matchPath: false));
        Assert.Equal(1, cache.Count);
        Assert.NotNull(cache.TryGet(Key("dev", "/a"), cache.Hash(Key("dev", "/a"))));
    }

    [Fact]
    public async Task Fill_OneLeader_FollowersGetItsEntry_AndTheFillIsForgotten()
    {
        using var cache = NewCache();
        byte[] key = "k"u8.ToArray();
        ulong hash = cache.Hash(key);

        Assert.Equal(FillRole.Leader, cache.TryBeginFill(key, hash, out var leader));
        Assert.Equal(FillRole.Follower, cache.TryBeginFill(key, hash, out var follower));
        Assert.Equal(FillRole.Alone, cache.TryBeginFill("other"u8, hash, out var alone));
        Assert.Same(leader, follower);
        Assert.Null(alone);

        var entry = Entry(cache, "k");
        cache.CompleteFill(leader!, entry);

        Assert.True(follower!.Completion.IsCompletedSuccessfully);
        Assert.Same(entry, await follower.Completion);
        Assert.Equal(0, cache.PendingFills);
        Assert.Equal(FillRole.Leader, cache.TryBeginFill(key, hash, out _));
    }

    [Fact]
    public async Task Fill_HundredConcurrentMisses_HaveOneLeader()
    {
        using var cache = NewCache();
        byte[] key = "hot"u8.ToArray();
        ulong hash = cache.Hash(key);
        using var start = new Barrier(4);
        int leaders = 0;
        var fills = new System.Collections.Concurrent.ConcurrentBag<CacheFill>();
        var tasks = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < 25; i++)
            {
                if (cache.TryBeginFill(key, hash, out var fill) == FillRole.Leader)
                {
                    Interlocked.Increment(ref leaders);
                }

                fills.Add(fill!);
            }
        })).ToArray();
        await Task.WhenAll(tasks);

        Assert.Equal(1, leaders);
        Assert.Single(fills.Distinct());
    }

    [Fact]
    public void Hit_AllocatesNothing()
    {
        using var cache = NewCache();
        cache.TrySet(Entry(cache, "GET /items/1"));
        byte[] key = "GET /items/1"u8.ToArray();
        for (int i = 0; i < 100; i++)
        {
            cache.TryGet(key, cache.Hash(key));
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            Assert.NotNull(cache.TryGet(key, cache.Hash(key)));
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void KeysAroundTheInlineLength_DifferingInAnyByte_NeverServeEachOther()
    {
        // Keys up to 91 bytes live in the slot, longer ones by reference: every length across that line, every
        // byte position, all under one forced hash so that only the key compare can tell them apart.
        using var cache = NewCache(maxBytes: 64 << 20);
        for (int length = 1; length <= 130; length++)
        {
            string key = new('k', length);
            Assert.True(cache.TrySet(Entry(cache, key, hash: 7)));
            for (int position = 0; position < length; position++)
            {
                byte[] other = Encoding.ASCII.GetBytes(key);
                other[position] = (byte)'x';
                Assert.Null(cache.TryGet(other, 7));
            }

            Assert.Null(cache.TryGet(Encoding.ASCII.GetBytes(key + "k"), 7));
            Assert.Equal(key, Encoding.ASCII.GetString(cache.TryGet(Encoding.ASCII.GetBytes(key), 7)!.Key));
        }
    }

    [Fact]
    public async Task LookupsDuringRemovesAndReinserts_OnlyEverReturnTheirOwnKey()
    {
        // Slots are reused in place while readers probe without a lock: a reader that meets a slot being rewritten
        // for another key (same length, short and long) must miss or retry, never return the other key's entry.
        // Every key gets the same hash, so all of them share one probe chain and a lookup compares every slot,
        // each of which the writer keeps rewriting.
        const ulong hash = 7;
        using var cache = NewCache(maxBytes: 256 << 20);
        var keys = new string[96];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = (i % 3 == 0 ? new string('L', 100) : "short") + i.ToString("D4");
        }

        using var stop = new CancellationTokenSource();
        long wrong = 0, hits = 0;
        var readers = new Task[2];
        for (int r = 0; r < readers.Length; r++)
        {
            int seed = r;
            // Dedicated threads: spinning readers on pool threads would starve other tests' continuations.
            readers[r] = Task.Factory.StartNew(() =>
            {
                var random = new Random(seed);
                while (!stop.IsCancellationRequested)
                {
                    byte[] key = Encoding.ASCII.GetBytes(keys[random.Next(keys.Length)]);
                    if (cache.TryGet(key, hash) is { } found)
                    {
                        Interlocked.Increment(ref hits);
                        if (!found.Key.AsSpan().SequenceEqual(key))
                        {
                            Interlocked.Increment(ref wrong);
                        }
                    }
                }
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        // Bounded: at least 200,000 writes, and on until the readers have hit 20,000 times (or 20 s passed).
        var writerRandom = new Random(20261125);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        for (int round = 0; round < 200_000 || (Interlocked.Read(ref hits) < 20_000 && DateTime.UtcNow < deadline); round++)
        {
            string key = keys[writerRandom.Next(keys.Length)];
            // A flush tombstones the whole chain and the next stores take its slots from the start in a random key
            // order, so a slot keeps changing hands between keys.
            cache.TrySet(Entry(cache, key, hash: hash));
            if (round % 48 == 47)
            {
                cache.Clear();
            }
        }

        stop.Cancel();
        await Task.WhenAll(readers);
        Assert.True(hits >= 20_000, $"readers hit only {hits} times");
        Assert.Equal(0, wrong);
    }
}
