using System.IO.Pipelines;

namespace EdgeGw.Core.Infrastructure;

/// <summary>
/// A reusable deadline for the reads (and optionally the flushes) of one connection: when it passes, the pending
/// read completes with <see cref="ReadResult.IsCanceled"/>, a pending flush with <see cref="FlushResult.IsCanceled"/>,
/// and <see cref="Expired"/> is set.
/// <para>
/// One timer per connection, and arming it is a field write: a connection arms and disarms several deadlines per
/// request (keep-alive, request head, upstream response), and rescheduling a timer each time takes the runtime's
/// timer-queue lock. Instead the timer stays scheduled for the earliest deadline it may have to enforce; when it
/// fires it compares the current deadline with the clock and either expires it, waits out the rest, or (disarmed)
/// stops. <see cref="Arm"/> touches the timer only when the new deadline is earlier than the time it is set for.
/// </para>
/// </summary>
public sealed class IoDeadline : IDisposable
{
    private const long None = long.MaxValue;

    private readonly TimeProvider _time;
    private readonly ITimer _timer;
    private readonly Lock _schedule = new();
    private PipeReader? _reader;
    private PipeWriter? _writer;
    private long _deadline = None;
    /// <summary>When the timer will next fire (timestamp), or <see cref="None"/> when it is not scheduled.</summary>
    private long _due = None;
    private volatile bool _expired;
    private bool _disposed;

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

    /// <summary>A deadline for flushes only (a client connection's send timeout).</summary>
    public void AttachWriter(PipeWriter writer) => _writer = writer;

    public void Arm(TimeSpan timeout)
    {
        _expired = false;
        if (timeout == Timeout.InfiniteTimeSpan || timeout <= TimeSpan.Zero)
        {
            Disarm();
            return;
        }

        long deadline = _time.GetTimestamp() + (long)(timeout.TotalSeconds * _time.TimestampFrequency);
        Volatile.Write(ref _deadline, deadline);
        // Paired with the fence in OnTimer: either the timer sees this deadline, or this sees that it is no longer
        // scheduled and schedules it.
        Interlocked.MemoryBarrier();
        if (Volatile.Read(ref _due) > deadline)
        {
            Schedule(deadline);
        }
    }

    /// <summary>Clears the deadline; the timer, if scheduled, finds nothing to do when it fires.</summary>
    public void Disarm() => Volatile.Write(ref _deadline, None);

    private void Schedule(long deadline)
    {
        lock (_schedule)
        {
            if (_disposed || _due <= deadline)
            {
                return;
            }

            _due = deadline;
            long wait = Math.Max(0, deadline - _time.GetTimestamp());
            _timer.Change(TimeSpan.FromSeconds((double)wait / _time.TimestampFrequency), Timeout.InfiniteTimeSpan);
        }
    }

    private void OnTimer()
    {
        lock (_schedule)
        {
            _due = None;
        }

        Interlocked.MemoryBarrier();
        long deadline = Volatile.Read(ref _deadline);
        if (deadline == None)
        {
            return;
        }

        if (_time.GetTimestamp() < deadline)
        {
            // Armed again since this was scheduled: wait out the rest of the current deadline.
            Schedule(deadline);
            return;
        }

        _expired = true;
        _reader?.CancelPendingRead();
        _writer?.CancelPendingFlush();
    }

    public void Dispose()
    {
        lock (_schedule)
        {
            _disposed = true;
        }

        _timer.Dispose();
    }
}
