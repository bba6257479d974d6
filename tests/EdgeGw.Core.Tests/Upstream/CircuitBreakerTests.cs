using EdgeGw.Core.Model;
using EdgeGw.Core.Configuration;
using EdgeGw.Core.Upstream;

namespace EdgeGw.Core.Tests.Upstream;

/// <summary>The breaker's state machine on a clock of milliseconds (it takes timestamps, not a clock of its own).</summary>
public sealed class CircuitBreakerTests
{
    private const long TicksPerSecond = 1000;
    private const long Start = 5_000_000;

    private static CircuitBreaker Breaker(double ratio = 0.5, int minimumRequests = 4, int windowSeconds = 10, int openSeconds = 5) =>
        new(new CircuitBreakerSettings(ratio, minimumRequests, windowSeconds, openSeconds), TicksPerSecond);

    /// <summary>Records <paramref name="count"/> outcomes at <paramref name="now"/>; each request was let in first.</summary>
    private static void Run(CircuitBreaker breaker, bool success, int count, long now)
    {
        for (int i = 0; i < count; i++)
        {
            Assert.True(breaker.TryEnter(now));
            breaker.Record(success, now);
        }
    }

    /// <summary>Trips a fresh breaker (minimumRequests failures) at <paramref name="now"/>.</summary>
    private static CircuitBreaker Tripped(long now, int openSeconds = 5, int minimumRequests = 4)
    {
        var breaker = Breaker(minimumRequests: minimumRequests, openSeconds: openSeconds);
        Run(breaker, success: false, minimumRequests, now);
        Assert.True(breaker.IsOpen);
        return breaker;
    }

    [Fact]
    public void Closed_StaysClosed_WhileFewerThanMinimumRequestsRan_EvenIfAllFailed()
    {
        var breaker = Breaker(minimumRequests: 5);

        Run(breaker, success: false, 4, Start);

        Assert.False(breaker.IsOpen);
        Assert.Equal(0, breaker.Openings);
        Assert.True(breaker.TryEnter(Start));
        breaker.Record(false, Start);
        Assert.True(breaker.IsOpen);
        Assert.Equal(1, breaker.Openings);
    }

    /// <summary>After s successes the f-th failure opens it, f the least with f >= ratio × (s + f) (worked out by hand).</summary>
    [Theory]
    [InlineData(0.5, 4, 4)] // 0.5 f >= 2
    [InlineData(0.25, 4, 2)] // 0.75 f >= 1
    [InlineData(0.75, 4, 12)] // 0.25 f >= 3
    [InlineData(0.1, 20, 3)] // 0.9 f >= 2
    public void Closed_Opens_OnTheFailureThatBringsTheRatioToTheThreshold(double ratio, int successes, int failuresToOpen)
    {
        var breaker = Breaker(ratio, minimumRequests: 4);
        Run(breaker, success: true, successes, Start);

        Run(breaker, success: false, failuresToOpen - 1, Start);
        Assert.False(breaker.IsOpen);
        Run(breaker, success: false, 1, Start);
        Assert.True(breaker.IsOpen);
        Assert.Equal(1, breaker.Openings);
    }

    [Fact]
    public void Closed_RatioOfOne_OpensOnlyWhenEveryRequestOfTheWindowFailed()
    {
        var breaker = Breaker(ratio: 1.0, minimumRequests: 3);
        Run(breaker, success: true, 1, Start);
        Run(breaker, success: false, 20, Start);
        Assert.False(breaker.IsOpen);

        // The next window holds failures only.
        long next = Start + 10 * TicksPerSecond;
        Run(breaker, success: false, 2, next);
        Assert.False(breaker.IsOpen);
        Run(breaker, success: false, 1, next);
        Assert.True(breaker.IsOpen);
    }

    [Fact]
    public void Closed_Successes_NeverOpenIt()
    {
        var breaker = Breaker(ratio: 0.5, minimumRequests: 4);
        Run(breaker, success: false, 3, Start);
        Run(breaker, success: true, 1, Start); // 3 of 4 failed, but a success does not trip

        Assert.False(breaker.IsOpen);
    }

    [Fact]
    public void Closed_CountsInAFixedWindow_FailuresOfAnEndedWindowAreForgotten()
    {
        var breaker = Breaker(ratio: 0.5, minimumRequests: 4, windowSeconds: 10);
        Run(breaker, success: false, 3, Start);
        Run(breaker, success: false, 3, Start + 10 * TicksPerSecond); // a new window: 3 < minimumRequests
        Assert.False(breaker.IsOpen);

        Run(breaker, success: false, 1, Start + 19 * TicksPerSecond); // the same window: the 4th failure
        Assert.True(breaker.IsOpen);
    }

    [Fact]
    public void Open_RefusesForOpenSeconds_ThenLetsExactlyOneProbeIn()
    {
        var breaker = Tripped(Start, openSeconds: 5);
        long reopen = Start + 5 * TicksPerSecond;

        Assert.False(breaker.TryEnter(Start));
        Assert.False(breaker.TryEnter(reopen - 1));
        Assert.True(breaker.IsOpen);

        Assert.True(breaker.TryEnter(reopen));
        Assert.False(breaker.TryEnter(reopen));
        Assert.False(breaker.TryEnter(reopen + 60 * TicksPerSecond));
        Assert.True(breaker.IsOpen);
    }

    [Fact]
    public async Task HalfOpen_AdmitsOneProbe_AmongConcurrentCallers()
    {
        var breaker = Tripped(Start, openSeconds: 5);
        long reopen = Start + 5 * TicksPerSecond;
        int admitted = 0;
        using var go = new ManualResetEventSlim();

        var callers = Enumerable.Range(0, 4).Select(_ => Task.Factory.StartNew(() =>
        {
            go.Wait();
            for (int i = 0; i < 10_000; i++)
            {
                if (breaker.TryEnter(reopen))
                {
                    Interlocked.Increment(ref admitted);
                }
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        go.Set();
        await Task.WhenAll(callers);

        Assert.Equal(1, admitted);
    }

    [Fact]
    public void HalfOpen_ProbeSuccess_ClosesIt_WithAFreshWindow()
    {
        var breaker = Tripped(Start, openSeconds: 5, minimumRequests: 4);
        long reopen = Start + 5 * TicksPerSecond;

        Assert.True(breaker.TryEnter(reopen, out bool probe));
        Assert.True(probe);
        breaker.Record(true, reopen, probe);

        Assert.False(breaker.IsOpen);
        Assert.True(breaker.TryEnter(reopen));
        Assert.True(breaker.TryEnter(reopen));
        // The failures that opened it are gone: it takes minimumRequests again.
        Run(breaker, success: false, 3, reopen);
        Assert.False(breaker.IsOpen);
        Run(breaker, success: false, 1, reopen);
        Assert.True(breaker.IsOpen);
        Assert.Equal(2, breaker.Openings);
    }

    [Fact]
    public void HalfOpen_ProbeFailure_OpensItAgain_ForOpenSecondsFromThen()
    {
        var breaker = Tripped(Start, openSeconds: 5);
        long probeAt = Start + 7 * TicksPerSecond;

        Assert.True(breaker.TryEnter(probeAt, out bool probe));
        long failedAt = probeAt + 2 * TicksPerSecond;
        breaker.Record(false, failedAt, probe);

        Assert.True(breaker.IsOpen);
        Assert.Equal(2, breaker.Openings);
        Assert.False(breaker.TryEnter(failedAt + 5 * TicksPerSecond - 1));
        Assert.True(breaker.TryEnter(failedAt + 5 * TicksPerSecond, out probe));
        breaker.Record(true, failedAt + 5 * TicksPerSecond, probe);
        Assert.False(breaker.IsOpen);
    }

    [Fact]
    public void HalfOpen_ReleasedProbe_LetsTheNextProbeIn_WithoutAVerdict()
    {
        var breaker = Tripped(Start, openSeconds: 5);
        long reopen = Start + 5 * TicksPerSecond;

        Assert.True(breaker.TryEnter(reopen));
        breaker.ReleaseProbe();

        Assert.True(breaker.IsOpen);
        Assert.Equal(1, breaker.Openings);
        Assert.True(breaker.TryEnter(reopen));
        Assert.False(breaker.TryEnter(reopen));
    }

    [Fact]
    public void ReleaseProbe_WhenClosed_ChangesNothing()
    {
        var breaker = Breaker(minimumRequests: 2);
        breaker.ReleaseProbe();
        Run(breaker, success: false, 2, Start);

        Assert.True(breaker.IsOpen);
        Assert.False(breaker.TryEnter(Start));
    }

    [Fact]
    public void HalfOpen_LateResultOfARequestAdmittedBeforeOpening_IsNotTheProbesVerdict()
    {
        var breaker = Breaker(minimumRequests: 4, openSeconds: 5);
        Assert.True(breaker.TryEnter(Start, out bool slowIsProbe)); // a slow request, let in while closed
        Assert.False(slowIsProbe);
        Run(breaker, success: false, 4, Start);
        Assert.True(breaker.IsOpen);

        long reopen = Start + 5 * TicksPerSecond;
        Assert.True(breaker.TryEnter(reopen, out bool probe)); // the probe goes out
        Assert.True(probe);
        breaker.Record(true, reopen + 1, slowIsProbe); // the slow request from before the break ends well

        Assert.True(breaker.IsOpen); // only the probe decides
        breaker.Record(false, reopen + 2, probe); // the probe fails
        Assert.True(breaker.IsOpen);
        Assert.False(breaker.TryEnter(reopen + 3));
    }
}
