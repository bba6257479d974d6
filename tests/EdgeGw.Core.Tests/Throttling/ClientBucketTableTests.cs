using System.Text;
using EdgeGw.Core.Throttling;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGw.Core.Tests.Throttling;

public sealed class ClientBucketTableTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void EachKey_HasItsOwnBucket()
    {
        var table = new ClientBucketTable(new ThrottleRate(1, 2, _time.TimestampFrequency), 1000);
        long now = _time.GetTimestamp();

        Assert.True(table.TryTake("a"u8, now, out _));
        Assert.True(table.TryTake("a"u8, now, out _));
        Assert.False(table.TryTake("a"u8, now, out _));
        Assert.True(table.TryTake("b"u8, now, out _));
        Assert.True(table.TryTake("ab"u8, now, out _));
    }

    [Fact]
    public void AMillionDistinctKeys_DoNotGrowTheTable_AndIdleBucketsAreRecycledFirst()
    {
        var table = new ClientBucketTable(new ThrottleRate(100, 10, _time.TimestampFrequency), 10_000);
        long memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
        for (int i = 0; i < 1_000_000; i++)
        {
            table.TryTake(Encoding.ASCII.GetBytes($"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}"), _time.GetTimestamp(), out _);
            if (i % 1000 == 0)
            {
                _time.Advance(TimeSpan.FromMilliseconds(1));
            }
        }

        long memoryAfter = GC.GetTotalMemory(forceFullCollection: true);
        Assert.InRange(table.Count, 1, table.Capacity);
        Assert.InRange(memoryAfter - memoryBefore, long.MinValue, 4L * 1024 * 1024);
    }

    [Fact]
    public void Flood_OfNewKeys_DoesNotResetAnActiveHeavyUser()
    {
        var table = new ClientBucketTable(new ThrottleRate(1, 5, _time.TimestampFrequency), 64 * 64);
        for (int i = 0; i < 5; i++)
        {
            Assert.True(table.TryTake("heavy"u8, _time.GetTimestamp(), out _));
        }

        for (int i = 0; i < 2000; i++)
        {
            table.TryTake(Encoding.ASCII.GetBytes($"k{i}"), _time.GetTimestamp(), out _);
            _time.Advance(TimeSpan.FromMilliseconds(1));
        }

        // Two seconds refilled two tokens; a forgotten (reset) bucket would admit five.
        int admitted = 0;
        for (int i = 0; i < 10; i++)
        {
            admitted += table.TryTake("heavy"u8, _time.GetTimestamp(), out _) ? 1 : 0;
        }

        Assert.Equal(2, admitted);
    }
}

public sealed class ClientBucketTableGrowthTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Table_StartsSmall_GrowsWithItsKeys_AndKeepsEveryBucketAcrossResizes()
    {
        var table = new ClientBucketTable(new ThrottleRate(1, 2, _time.TimestampFrequency), 100_000);
        long empty = table.AllocatedBytes;
        Assert.InRange(empty, 1, 64 * 1024);

        long now = _time.GetTimestamp();
        for (int i = 0; i < 20_000; i++)
        {
            Assert.True(table.TryTake(Encoding.ASCII.GetBytes($"client-{i}"), now, out _));
        }

        Assert.Equal(20_000, table.Count);
        Assert.InRange(table.AllocatedBytes, 20_000 * 2 * 32, 20_000 * 8 * 32);
        Assert.InRange(table.AllocatedBytes, 1, table.Capacity * 32L);
        for (int i = 0; i < 20_000; i++)
        {
            byte[] key = Encoding.ASCII.GetBytes($"client-{i}");
            Assert.True(table.TryTake(key, now, out var second));
            Assert.Equal(0, second.Remaining);
            Assert.False(table.TryTake(key, now, out _));
        }

        Assert.Equal(0, table.Evictions);
    }

    [Theory]
    [InlineData("123456789012345", "123456789012346")] // 15 bytes: inline, differ in the last byte
    [InlineData("1234567890123456", "1234567890123457")] // 16: longer than a slot, same 15-byte prefix
    [InlineData("123456789012345", "1234567890123450")] // one inline, one long, same prefix
    [InlineData("an-api-key-id-that-is-long-0001", "an-api-key-id-that-is-long-0002")]
    public void Keys_AreComparedInFull_WhateverTheirLength(string first, string second)
    {
        var table = new ClientBucketTable(new ThrottleRate(1, 1, _time.TimestampFrequency), 1000);
        long now = _time.GetTimestamp();

        Assert.True(table.TryTake(Encoding.ASCII.GetBytes(first), now, out _));
        Assert.False(table.TryTake(Encoding.ASCII.GetBytes(first), now, out _));
        Assert.True(table.TryTake(Encoding.ASCII.GetBytes(second), now, out _));
        Assert.False(table.TryTake(Encoding.ASCII.GetBytes(second), now, out _));
        Assert.Equal(2, table.Count);
    }

    [Fact]
    public void KeysDifferingInAnyOneByte_OrInLength_HaveTheirOwnBuckets()
    {
        // Short keys are packed into two words with overlapping loads: every byte position of every length must count.
        var table = new ClientBucketTable(new ThrottleRate(1, 1, _time.TimestampFrequency), 100_000);
        long now = _time.GetTimestamp();
        int distinct = 0;
        for (int length = 0; length <= 24; length++)
        {
            byte[] key = new byte[length];
            Assert.True(table.TryTake(key, now, out _), $"length {length}");
            distinct++;
            for (int position = 0; position < length; position++)
            {
                byte[] other = new byte[length];
                other[position] = 0x80;
                Assert.True(table.TryTake(other, now, out _), $"length {length}, position {position}");
                Assert.False(table.TryTake(other, now, out _));
                distinct++;
            }

            Assert.False(table.TryTake(key, now, out _));
        }

        Assert.Equal(distinct, table.Count);
    }

    [Fact]
    public void EmptyKey_IsAKeyLikeAnyOther()
    {
        var table = new ClientBucketTable(new ThrottleRate(1, 1, _time.TimestampFrequency), 1000);
        long now = _time.GetTimestamp();

        Assert.True(table.TryTake([], now, out _));
        Assert.False(table.TryTake([], now, out _));
        Assert.True(table.TryTake([0], now, out _));
    }

    [Fact]
    public async Task ConcurrentTakes_WhileTheTableResizes_AdmitExactlyTheBurstPerKey()
    {
        const int Keys = 4_000;
        const int Burst = 25;
        var table = new ClientBucketTable(new ThrottleRate(1, Burst, _time.TimestampFrequency), 1_000_000);
        long now = _time.GetTimestamp();
        byte[][] keys = new byte[Keys][];
        for (int i = 0; i < Keys; i++)
        {
            keys[i] = Encoding.ASCII.GetBytes(i % 3 == 0 ? $"a-long-client-key-{i}" : $"10.0.{i >> 8}.{i & 255}");
        }

        int[] admitted = new int[Keys];
        int threads = Math.Max(4, Environment.ProcessorCount * 2);
        using var start = new Barrier(threads);
        var workers = new Task[threads];
        for (int t = 0; t < threads; t++)
        {
            int seed = t;
            workers[t] = Task.Factory.StartNew(() =>
            {
                start.SignalAndWait();
                // Every thread walks the keys in its own order, so new keys (and the resizes they cause) race takes of known ones.
                for (int round = 0; round < 2 * Burst; round++)
                {
                    for (int n = 0; n < Keys; n++)
                    {
                        int i = (int)((uint)(n * 7919 + seed * 104729 + round * 31) % Keys);
                        if (table.TryTake(keys[i], now, out _))
                        {
                            Interlocked.Increment(ref admitted[i]);
                        }
                    }
                }
            }, TaskCreationOptions.LongRunning);
        }

        await Task.WhenAll(workers);

        Assert.Equal(Keys, table.Count);
        for (int i = 0; i < Keys; i++)
        {
            Assert.Equal(Burst, admitted[i]);
        }
    }
}
