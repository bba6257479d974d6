using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGw.Transport.Tests;

public sealed class LoopClockTests
{
    [EpollFact]
    public async Task OnALoop_ItIsTheLoopsTimestamp_TakenAfterTheWakeUp()
    {
        var loop = EpollTransport.Loops()[0];
        var work = new ReadClock();
        long before = Stopwatch.GetTimestamp();

        loop.Post(work);
        var (now, loopTimestamp) = await work.Result.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // The loop read the clock when epoll_wait returned for this post: not before it, not after the read here.
        Assert.Equal(loopTimestamp, now);
        Assert.InRange(now, before, Stopwatch.GetTimestamp());
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
