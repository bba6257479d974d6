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
