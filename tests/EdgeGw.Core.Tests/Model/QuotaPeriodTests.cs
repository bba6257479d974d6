using EdgeGw.Core.Model;
using System.Globalization;
using EdgeGw.Core.UsagePlans;

namespace EdgeGw.Core.Tests.Model;

public sealed class QuotaPeriodTests
{
    private static DateTimeOffset T(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    [Theory]
    [InlineData("DAY", 0, "2026-03-15T13:00Z", "2026-03-15T00:00Z", "2026-03-16T00:00Z")]
    [InlineData("DAY", 6, "2026-03-15T05:59Z", "2026-03-14T06:00Z", "2026-03-15T06:00Z")]
    [InlineData("DAY", 6, "2026-03-15T06:00Z", "2026-03-15T06:00Z", "2026-03-16T06:00Z")]
    [InlineData("WEEK", 0, "2026-11-25T10:00Z", "2026-11-22T00:00Z", "2026-11-29T00:00Z")]
    [InlineData("WEEK", 1, "2026-11-22T10:00Z", "2026-11-16T00:00Z", "2026-11-23T00:00Z")]
    [InlineData("MONTH", 0, "2026-01-31T23:59Z", "2026-01-01T00:00Z", "2026-02-01T00:00Z")]
    [InlineData("MONTH", 0, "2026-02-01T00:00Z", "2026-02-01T00:00Z", "2026-03-01T00:00Z")]
    [InlineData("MONTH", 27, "2026-03-05T00:00Z", "2026-02-28T00:00Z", "2026-03-28T00:00Z")]
    [InlineData("MONTH", 27, "2028-02-29T12:00Z", "2028-02-28T00:00Z", "2028-03-28T00:00Z")]
    [InlineData("MONTH", 14, "2026-12-31T00:00Z", "2026-12-15T00:00Z", "2027-01-15T00:00Z")]
    public void Window_StartsAtTheOffset_AcrossMonthAndYearEnds(string period, int offset, string now, string start, string end)
    {
        Assert.True(QuotaPeriod.TryParse(period, offset, out var parsed));
        Assert.Equal((T(start), T(end)), parsed.WindowOf(T(now)));
    }

    [Fact]
    public void Counter_RefusesOverTheLimit_WithoutCountingRefusals_AndResetsWithTheWindow()
    {
        QuotaPeriod.TryParse("DAY", 0, out var day);
        var now = T("2026-01-31T22:00Z");
        var (start, end) = day.WindowOf(now);
        var counter = new QuotaCounter(start, end, 0);

        for (int i = 0; i < 3; i++)
        {
            Assert.True(counter.TryConsume(3, day, now, out long remaining, out _));
            Assert.Equal(2 - i, remaining);
        }

        Assert.False(counter.TryConsume(3, day, now, out _, out var resetsAt));
        Assert.Equal(T("2026-02-01T00:00Z"), resetsAt);
        Assert.Equal(3, counter.Used);
        Assert.True(counter.TryConsume(3, day, T("2026-02-01T00:00Z"), out _, out _));
        Assert.Equal(1, counter.Used);
    }

    [Fact]
    public async Task Counter_UnderConcurrency_AdmitsExactlyTheLimit()
    {
        QuotaPeriod.TryParse("MONTH", 0, out var month);
        var now = T("2026-05-10T00:00Z");
        var (start, end) = month.WindowOf(now);
        var counter = new QuotaCounter(start, end, 0);
        int admitted = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                if (counter.TryConsume(12_345, month, now, out _, out _))
                {
                    Interlocked.Increment(ref admitted);
                }
            }
        })));

        Assert.Equal(12_345, admitted);
        Assert.Equal(12_345, counter.Used);
    }
}
