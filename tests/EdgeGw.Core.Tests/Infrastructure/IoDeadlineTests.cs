using System.IO.Pipelines;
using EdgeGw.Core.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGw.Core.Tests.Infrastructure;

public sealed class IoDeadlineTests
{
    private readonly FakeTimeProvider _time = new();
    private readonly Pipe _pipe = new();

    private IoDeadline NewDeadline()
    {
        var deadline = new IoDeadline(_time);
        deadline.Attach(_pipe.Reader);
        return deadline;
    }

    [Fact]
    public async Task APassedDeadline_CancelsThePendingRead()
    {
        using var deadline = NewDeadline();
        deadline.Arm(TimeSpan.FromSeconds(10));
        var read = _pipe.Reader.ReadAsync();

        _time.Advance(TimeSpan.FromSeconds(9.9));
        Assert.False(read.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(0.1));

        Assert.True((await read).IsCanceled);
        Assert.True(deadline.Expired);
    }

    [Fact]
    public async Task ReArmingLater_MovesTheDeadline_AlthoughTheTimerStaysSetForTheFirst()
    {
        using var deadline = NewDeadline();
        deadline.Arm(TimeSpan.FromSeconds(10));
        _time.Advance(TimeSpan.FromSeconds(5));
        deadline.Disarm();
        deadline.Arm(TimeSpan.FromSeconds(10));
        var read = _pipe.Reader.ReadAsync();

        // The timer fires at 10 s for the first arming, finds the deadline at 15 s and waits out the rest.
        _time.Advance(TimeSpan.FromSeconds(6));
        Assert.False(read.IsCompleted);
        Assert.False(deadline.Expired);
        _time.Advance(TimeSpan.FromSeconds(4));

        Assert.True((await read).IsCanceled);
    }

    [Fact]
    public async Task ArmingEarlierThanTheScheduledTime_ReschedulesTheTimer()
    {
        using var deadline = NewDeadline();
        deadline.Arm(TimeSpan.FromSeconds(120));
        deadline.Arm(TimeSpan.FromSeconds(1));
        var read = _pipe.Reader.ReadAsync();

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.True((await read).IsCanceled);
        Assert.True(deadline.Expired);
    }

    [Fact]
    public void ADisarmedDeadline_NeverExpires_AndArmingClearsExpired()
    {
        using var deadline = NewDeadline();
        deadline.Arm(TimeSpan.FromSeconds(1));
        deadline.Disarm();
        var read = _pipe.Reader.ReadAsync();

        _time.Advance(TimeSpan.FromMinutes(10));
        Assert.False(read.IsCompleted);
        Assert.False(deadline.Expired);

        deadline.Arm(TimeSpan.FromSeconds(1));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(deadline.Expired);
        deadline.Arm(TimeSpan.FromSeconds(1));
        Assert.False(deadline.Expired);
    }

    [Fact]
    public void ManyArmings_WithinTheScheduledTime_CostNoTimerChanges_AndExpireOnTheLast()
    {
        using var deadline = NewDeadline();
        for (int request = 0; request < 1000; request++)
        {
            deadline.Arm(TimeSpan.FromSeconds(30));
            _time.Advance(TimeSpan.FromMilliseconds(10));
            deadline.Disarm();
        }

        deadline.Arm(TimeSpan.FromSeconds(30));
        _time.Advance(TimeSpan.FromSeconds(29.99));
        Assert.False(deadline.Expired);
        _time.Advance(TimeSpan.FromSeconds(0.01));
        Assert.True(deadline.Expired);
    }
}
