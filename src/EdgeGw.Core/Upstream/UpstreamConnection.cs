using System.IO.Pipelines;
using EdgeGw.Core.Infrastructure;

namespace EdgeGw.Core.Upstream;

/// <summary>One keep-alive connection to a destination. Leased to one request at a time.</summary>
public sealed class UpstreamConnection : IDisposable
{
    private readonly IDisposable _socket;
    private int _disposed;

    /// <param name="socket">The connection's pipes; disposing it closes the connection.</param>
    internal UpstreamConnection(DestinationState destination, IDuplexPipe socket, TimeProvider time)
    {
        Destination = destination;
        _socket = (IDisposable)socket;
        Input = socket.Input;
        Output = socket.Output;
        Deadline = new IoDeadline(time);
        Deadline.Attach(Input, Output);
    }

    public DestinationState Destination { get; }
    public PipeReader Input { get; }
    public PipeWriter Output { get; }
    /// <summary>Cancels reads on <see cref="Input"/> and flushes on <see cref="Output"/> when the response timeout passes.</summary>
    public IoDeadline Deadline { get; }
    /// <summary>Requests completed on this connection; more than zero means the next request reuses it.</summary>
    public int CompletedRequests { get; internal set; }
    internal long IdleSince { get; set; }
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>
    /// An idle pooled connection is usable only if the upstream has neither closed it nor sent unsolicited
    /// bytes while it sat in the pool.
    /// </summary>
    internal bool IsStillUsable()
    {
        if (IsDisposed)
        {
            return false;
        }

        if (Input.TryRead(out var result))
        {
            bool clean = result.Buffer.IsEmpty && !result.IsCompleted && !result.IsCanceled;
            Input.AdvanceTo(result.Buffer.Start);
            return clean;
        }

        return true;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Deadline.Dispose();
        _socket.Dispose();
        Destination.OnConnectionClosed();
    }
}
