using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGw.Transport.Tests;

public sealed class LoopClockTests
{
    [EpollFact]
    public async Task OnALoop_ItIsTheLoopsTimestamp_TakenAfterTheWakeUp()
    {
        var loop = EpollTransport.Loops()[0];

        // The loop reads the clock when epoll_wait returns, so work posted to an idle loop sees a time after the post.
        // Other tests in this assembly share the loops: one busy with their events runs the post in a turn that began
        // before it (its timestamp earlier than the post, as designed). So post until a turn starts for the post
        // (bounded), and check every turn's reading on the way.
        bool sawWakeUpForThePost = false;
        for (int attempt = 0; attempt < 50 && !sawWakeUpForThePost; attempt++)
        {
            var work = new ReadClock();
            long before = Stopwatch.GetTimestamp();
            loop.Post(work);
            var (now, loopTimestamp) = await work.Result.Task.WaitAsync(TimeSpan.FromSeconds(30));
            long after = Stopwatch.GetTimestamp();

            Assert.Equal(loopTimestamp, now);
            Assert.True(now <= after, "the loop's time is never later than a clock read after the work ran");
            sawWakeUpForThePost = now >= before;
        }

        Assert.True(sawWakeUpForThePost, "in 50 posts the loop never woke up for one (its timestamp was always from an earlier turn)");
    }

    [Fact]
    public void OffALoop_ItIsTheSystemClock()
    {
        long before = Stopwatch.GetTimestamp();
        long now = LoopClock.Now(TimeProvider.System);
        Assert.InRange(now, before, Stopwatch.GetTimestamp());
    }

    [Fact]
    public void AnInjectedClock_IsReadAsIs()
    {
        var time = new FakeTimeProvider();
        long start = LoopClock.Now(time);
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(start + (3 * time.TimestampFrequency), LoopClock.Now(time));
    }

    private sealed class ReadClock : ILoopWork
    {
        public TaskCompletionSource<(long Now, long Loop)> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Execute() => Result.TrySetResult((LoopClock.Now(TimeProvider.System), EpollLoop.Current!.Timestamp));
    }
}
