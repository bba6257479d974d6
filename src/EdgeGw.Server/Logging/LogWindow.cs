namespace EdgeGw.Server.Logging;

/// <summary>
/// One rate-limited log line (a failure reason, per cluster and destination or per TLS failure kind): at most one
/// line per interval, the next one saying how many were suppressed. Used on failure paths only.
/// </summary>
internal sealed class LogWindow
{
    private readonly Lock _gate = new();
    private long _start;
    private int _suppressed;
    private bool _logged;

    /// <summary>Whether a line may be written now; <paramref name="suppressed"/> is how many were not since the last.</summary>
    public bool TryEnter(TimeProvider time, TimeSpan interval, out int suppressed)
    {
        long now = time.GetTimestamp();
        lock (_gate)
        {
            if (_logged && time.GetElapsedTime(_start, now) < interval)
            {
                _suppressed++;
                suppressed = 0;
                return false;
            }

            suppressed = _suppressed;
            _suppressed = 0;
            _start = now;
            _logged = true;
            return true;
        }
    }
}
