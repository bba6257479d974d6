namespace EdgeGw.Server.AccessLogging;

/// <summary>Access log lines written and dropped, over every destination and reload, for <c>/metrics</c>.</summary>
public sealed class AccessLogCounters
{
    private long _written;
    private long _dropped;

    /// <summary><c>edgegw_access_log_written_total</c>.</summary>
    public long WrittenTotal => Interlocked.Read(ref _written);
    /// <summary><c>edgegw_access_log_dropped_total</c>: the writer had fallen behind (no buffer free), or the destination could not be written.</summary>
    public long DroppedTotal => Interlocked.Read(ref _dropped);

    internal void Drop(long lines = 1) => Interlocked.Add(ref _dropped, lines);
    internal void Written(long lines) => Interlocked.Add(ref _written, lines);
}
