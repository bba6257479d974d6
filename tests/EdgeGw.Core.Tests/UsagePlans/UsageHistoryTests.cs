using EdgeGw.Core.Model;
using EdgeGw.Core.UsagePlans;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGw.Core.Tests.UsagePlans;

public sealed class UsageHistoryTests
{
    private static readonly DateTimeOffset Day1 = new(2026, 3, 15, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void QuotaCounter_TellsEachClosedWindowOnce_WithItsUsage()
    {
        var closed = new List<(DateTimeOffset Start, DateTimeOffset End, long Used)>();
        var period = new QuotaPeriod(QuotaPeriodKind.Day, 0);
        var counter = new QuotaCounter(Day1, Day1.AddDays(1), 0, closed: (s, e, u) => closed.Add((s, e, u)));
        for (int i = 0; i < 3; i++)
        {
            Assert.True(counter.TryConsume(10, period, Day1.AddHours(1), out _, out _));
        }

        Assert.True(counter.TryConsume(10, period, Day1.AddDays(1).AddHours(1), out _, out _));
        Assert.True(counter.TryConsume(10, period, Day1.AddDays(1).AddHours(2), out _, out _));
        Assert.Equal([(Day1, Day1.AddDays(1), 3L)], closed);
        Assert.Equal(2, counter.Used);
    }

    [Fact]
    public void QuotaCounter_Reset_SetsTheCurrentWindowsUsage()
    {
        var period = new QuotaPeriod(QuotaPeriodKind.Day, 0);
        var counter = new QuotaCounter(Day1, Day1.AddDays(1), 0);
        for (int i = 0; i < 5; i++)
        {
            counter.TryConsume(5, period, Day1.AddHours(1), out _, out _);
        }

        Assert.False(counter.TryConsume(5, period, Day1.AddHours(1), out _, out _));
        counter.Reset(3, period, Day1.AddHours(1));
        Assert.True(counter.TryConsume(5, period, Day1.AddHours(1), out long remaining, out _));
        Assert.Equal(1, remaining);
        counter.Reset(-4, period, Day1.AddHours(1));
        Assert.Equal(0, counter.Used);

        // A reset after the window's end sets the next window (the one that holds now).
        counter.Reset(4, period, Day1.AddDays(1).AddHours(1));
        Assert.Equal((Day1.AddDays(1), 4L), (counter.Start, counter.Used));
        Assert.False(counter.TryConsume(4, period, Day1.AddDays(1).AddHours(2), out _, out _));
    }

    [Fact]
    public void History_FindsWindowsByStart_AndDropsThoseOlderThanTheRetention()
    {
        var time = new FakeTimeProvider(Day1.AddDays(1));
        var history = new UsageHistory(time);
        long before = history.Version;
        history.Record("k", "p", Day1, Day1.AddDays(1), 7);
        Assert.NotEqual(before, history.Version);
        Assert.Equal(7, history.Find("k", "p", Day1)!.Used);
        Assert.Null(history.Find("k", "other", Day1));

        time.Advance(UsageHistory.Retention + TimeSpan.FromDays(1));
        var later = Day1.AddDays(91);
        history.Record("k", "p", later, later.AddDays(1), 2);
        Assert.Null(history.Find("k", "p", Day1));
        Assert.Equal(2, history.Find("k", "p", later)!.Used);

        history.Remove("k");
        Assert.Empty(history.All());
    }
}
