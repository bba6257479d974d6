using System.Diagnostics;

namespace EdgeGw.Server.FunctionalTests.Infrastructure;

/// <summary>
/// Waits for a state the gateway reaches asynchronously (a connection count settling after a close, a health
/// flag flipping after a probe) by re-checking it, bounded by a timeout. Returns the final value of the
/// condition so the caller asserts on it.
/// </summary>
public static class Eventually
{
    public static async Task<bool> TrueAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        var clock = Stopwatch.StartNew();
        while (!condition() && clock.Elapsed < limit)
        {
            await Task.Delay(20);
        }

        return condition();
    }

    /// <summary>The same for a condition that has to ask something (an admin endpoint, a server's API).</summary>
    public static async Task<bool> TrueAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        var clock = Stopwatch.StartNew();
        while (!await condition() && clock.Elapsed < limit)
        {
            await Task.Delay(20);
        }

        return await condition();
    }
}
