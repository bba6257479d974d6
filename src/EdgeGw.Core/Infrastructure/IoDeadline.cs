using System.IO.Pipelines;

namespace EdgeGw.Core.Infrastructure;

/// <summary>
/// A reusable deadline for the reads (and optionally the flushes) of one connection: when it passes, the pending
/// read completes with <see cref="ReadResult.IsCanceled"/>, a pending flush with <see cref="FlushResult.IsCanceled"/>,
/// and <see cref="Expired"/> is set.
/// One timer per connection, re-armed per read: no allocation, no registration per request.
/// </summary>
public sealed class IoDeadline : IDisposable
{
    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private PipeReader? _reader;
    private PipeWriter? _writer;
    private long _deadline = long.MaxValue;
    private volatile bool _expired;

    public IoDeadline(TimeProvider time)
    {
        _time = time;
        _timer = time.CreateTimer(static s => ((IoDeadline)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>True once the armed deadline passed; cleared by the next <see cref="Arm"/>.</summary>
    public bool Expired => _expired;

    public void Attach(PipeReader reader, PipeWriter? writer = null)
    {
        _reader = reader;
        _writer = writer;
    }

    public void Arm(TimeSpan timeout)
    {
        _expired = false;
        if (timeout == Timeout.InfiniteTimeSpan || timeout <= TimeSpan.Zero)
        {
            Disarm();
            return;
        }

        Volatile.Write(ref _deadline, _time.GetTimestamp() + (long)(timeout.TotalSeconds * _time.TimestampFrequency));
        _timer.Change(timeout, Timeout.InfiniteTimeSpan);
    }

    public void Disarm()
    {
        Volatile.Write(ref _deadline, long.MaxValue);
        _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    private void OnTimer()
    {
        long deadline = Volatile.Read(ref _deadline);
        if (deadline == long.MaxValue)
        {
            return;
        }

        long now = _time.GetTimestamp();
        if (now < deadline)
        {
            // A late callback from an earlier arming: wait out the rest of the current deadline.
            _timer.Change(TimeSpan.FromSeconds((double)(deadline - now) / _time.TimestampFrequency), Timeout.InfiniteTimeSpan);
            return;
        }

        _expired = true;
        _reader?.CancelPendingRead();
        _writer?.CancelPendingFlush();
    }

    public void Dispose() => _timer.Dispose();
}
