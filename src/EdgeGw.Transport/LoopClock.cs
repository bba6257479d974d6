using System.Diagnostics;

namespace EdgeGw.Transport;

/// <summary>
/// The timestamp the request path reads (token buckets, the cache's expiry checks, passive health). On an epoll
/// loop's thread, where the gateway handles requests, it is the one the loop read when its last
/// <c>epoll_wait</c> returned: one clock read per batch of events instead of several per request, behind the
/// clock by at most one batch's work (GCRA then admits at most <c>rate × (elapsed + that) + burst</c>).
/// Elsewhere it is <see cref="Stopwatch.GetTimestamp"/>. It replaced timers that republished the clock (a
/// thread every millisecond for the buckets, a pool timer every 50 ms for the cache): each tick took the
/// loop's core from it and woke thread-pool workers that then spun, 2.4 % of that core under load.
/// An injected <see cref="TimeProvider"/> (tests) is read as is.
/// </summary>
public static class LoopClock
{
    /// <summary>Now, in <see cref="Stopwatch"/> ticks for the system clock, else in <paramref name="time"/>'s.</summary>
    public static long Now(TimeProvider time)
    {
        if (!ReferenceEquals(time, TimeProvider.System))
        {
            return time.GetTimestamp();
        }

        return EpollLoop.Current is { } loop ? loop.Timestamp : Stopwatch.GetTimestamp();
    }
}
