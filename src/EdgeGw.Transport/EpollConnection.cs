using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace EdgeGw.Transport;

/// <summary>
/// A TCP connection on an <see cref="EpollLoop"/>, exposed as a pair of pipes.
/// <para>
/// Receiving happens on the loop's thread and only on a readiness edge: the socket is drained until a read comes
/// back shorter than the buffer offered (the kernel had no more), and then nothing is tried until the next edge.
/// That is what nginx does, and it saves the speculative <c>recv</c> that fails with EAGAIN before every wait in a
/// readiness-agnostic socket engine. Both pipes schedule inline, so the bytes received are parsed and proxied on
/// the loop's thread within the same event, and a flush of <see cref="Output"/> sends on the flushing thread at
/// once; only when the kernel's send buffer is full does sending wait for the loop to report the socket writable.
/// </para>
/// </summary>
public sealed class EpollConnection : IDuplexPipe, IDisposable, IEpollHandler, ILoopWork, IValueTaskSource<bool>
{
    private const uint Interest = Native.EPOLLIN | Native.EPOLLOUT | Native.EPOLLRDHUP | Native.EPOLLET;
    private const int MaxVectors = 16;

    private readonly EpollLoop _loop;
    private readonly SocketFd _fd;
    private readonly Pipe _receive;
    private readonly Pipe _send;
    private readonly Action _resumeReceive;
    private ulong _token;

    // Receive state; touched only on the loop's thread.
    private bool _readable;
    // The peer's FIN (or an error) was reported: read on to the end even after a short read, because the edge
    // that carried it will not come again.
    private bool _peerClosed;
    private volatile bool _connecting;
    private bool _receivePaused;
    private bool _receiveDone;
    private ValueTask<FlushResult> _pausedFlush;

    // Send state: the sender parks on _writable when the kernel's buffer is full; the loop wakes it.
    private ManualResetValueTaskSourceCore<bool> _writable;
    private int _writableEpoch;
    private int _writeWaiting;
    private Task _sending = Task.CompletedTask;

    private int _aborted;
    private int _disposed;

    internal EpollConnection(EpollLoop loop, SocketFd fd, PipeOptions receiveOptions, PipeOptions sendOptions)
    {
        _loop = loop;
        _fd = fd;
        _receive = new Pipe(receiveOptions);
        _send = new Pipe(sendOptions);
        _resumeReceive = () => _loop.Post(this);
        _writable.RunContinuationsAsynchronously = false;
    }

    /// <summary>Bytes received from the peer.</summary>
    public PipeReader Input => _receive.Reader;

    /// <summary>Bytes to send to the peer; a flush sends at once.</summary>
    public PipeWriter Output => _send.Writer;

    /// <summary>The peer's address (for accepted connections).</summary>
    public System.Net.EndPoint? RemoteEndPoint { get; internal init; }

    /// <summary>Registers with the loop (which starts receiving) and starts the sender.</summary>
    internal void Start()
    {
        _token = _loop.Register(this, _fd, Interest);
        _sending = SendLoopAsync();
    }

    /// <summary>
    /// Registers with the loop while a non-blocking connect is in progress: output readiness completes it. Nothing
    /// is received until <see cref="OnConnected"/>, because a receive would consume the connect's error.
    /// </summary>
    internal void RegisterConnecting()
    {
        _connecting = true;
        _token = _loop.Register(this, _fd, Interest);
    }

    internal void OnConnected()
    {
        _connecting = false;
        _sending = SendLoopAsync();
        // Anything the peer sent while connecting came with an edge that was set aside.
        _loop.Post(this);
    }

    internal int WritableEpoch => Volatile.Read(ref _writableEpoch);

    /// <summary>Ends the connection now: unsent output is dropped and the peer sees the socket shut down.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _aborted, 1) != 0)
        {
            return;
        }

        Shutdown(Native.SHUT_RDWR);
        _send.Reader.CancelPendingRead();
        WakeWriter(false);
    }

    /// <summary>Closes at once (the upstream pool's way): both pipes completed, unsent output dropped.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _send.Writer.Complete();
        _receive.Reader.Complete();
        Abort();
        Close();
    }

    /// <summary>Closes after sending what the application already wrote (Kestrel's way of ending a connection).</summary>
    public async ValueTask CloseAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _send.Writer.CompleteAsync().ConfigureAwait(false);
        await _receive.Reader.CompleteAsync().ConfigureAwait(false);
        await _sending.ConfigureAwait(false);
        Close();
    }

    private void Close()
    {
        if (_token != 0)
        {
            _loop.Unregister(_token);
        }

        _fd.Dispose();
    }

    private void Shutdown(int how)
    {
        try
        {
            Native.Shutdown(_fd, how);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    void IEpollHandler.OnEvents(uint events)
    {
        if ((events & (Native.EPOLLOUT | Native.EPOLLERR | Native.EPOLLHUP)) != 0)
        {
            Interlocked.Increment(ref _writableEpoch);
            WakeWriter(true);
        }

        if ((events & (Native.EPOLLIN | Native.EPOLLRDHUP | Native.EPOLLERR | Native.EPOLLHUP)) != 0)
        {
            _readable = true;
            if ((events & (Native.EPOLLRDHUP | Native.EPOLLHUP | Native.EPOLLERR)) != 0)
            {
                _peerClosed = true;
            }

            if (!_receivePaused && !_connecting)
            {
                Receive();
            }
        }
    }

    /// <summary>Resumes receiving: the application has read enough of a paused input pipe, or a connect completed.</summary>
    void ILoopWork.Execute()
    {
        if (_receivePaused)
        {
            var flush = _pausedFlush;
            _pausedFlush = default;
            _receivePaused = false;
            try
            {
                if (flush.GetAwaiter().GetResult().IsCompleted)
                {
                    _receiveDone = true;
                }
            }
            catch (Exception)
            {
                _receiveDone = true;
            }
        }

        if (_readable && !_receiveDone && !_connecting)
        {
            Receive();
        }
    }

    private unsafe void Receive()
    {
        var writer = _receive.Writer;
        try
        {
            while (_readable && !_receiveDone)
            {
                if (Volatile.Read(ref _disposed) != 0)
                {
                    _receiveDone = true;
                    return;
                }

                var memory = writer.GetMemory(1);
                nint received;
                fixed (byte* buffer = memory.Span)
                {
                    received = Native.Receive(_fd, buffer, (nuint)memory.Length, 0);
                }

                if (received > 0)
                {
                    writer.Advance((int)received);
                    // The application's read continues inline here: the request is parsed and forwarded now.
                    var flush = writer.FlushAsync();
                    if (!flush.IsCompletedSuccessfully)
                    {
                        _receivePaused = true;
                        _pausedFlush = flush;
                        flush.GetAwaiter().UnsafeOnCompleted(_resumeReceive);
                        return;
                    }

                    if (flush.Result.IsCompleted)
                    {
                        _receiveDone = true;
                        return;
                    }

                    if (received < memory.Length && !_peerClosed)
                    {
                        // The kernel had no more; the next edge says when it has.
                        _readable = false;
                    }

                    continue;
                }

                if (received == 0)
                {
                    _receiveDone = true;
                    writer.Complete();
                    return;
                }

                int error = Native.LastError;
                if (error == Native.EAGAIN)
                {
                    _readable = false;
                }
                else if (error != Native.EINTR)
                {
                    _receiveDone = true;
                    writer.Complete(Volatile.Read(ref _aborted) != 0 ? AbortedError() : ResetError(error));
                    return;
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // Closed by the application in the continuation that ran inside the flush.
            _receiveDone = true;
        }
        catch (InvalidOperationException)
        {
            // The writer was completed by a concurrent close.
            _receiveDone = true;
        }
    }

    private async Task SendLoopAsync()
    {
        var reader = _send.Reader;
        Exception? error = null;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                if (result.IsCanceled)
                {
                    break;
                }

                var buffer = result.Buffer;
                while (!buffer.IsEmpty)
                {
                    int epoch = Volatile.Read(ref _writableEpoch);
                    nint sent = Send(buffer);
                    if (sent >= 0)
                    {
                        buffer = buffer.Slice(sent);
                        continue;
                    }

                    int errno = (int)-sent;
                    if (errno == Native.EAGAIN)
                    {
                        if (!await WaitWritableAsync(epoch).ConfigureAwait(false))
                        {
                            reader.AdvanceTo(result.Buffer.End);
                            return;
                        }
                    }
                    else if (errno != Native.EINTR)
                    {
                        throw ResetError(errno);
                    }
                }

                reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    Shutdown(Native.SHUT_WR);
                    break;
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
        {
            error = e;
            Abort();
        }
        finally
        {
            reader.Complete(error);
        }
    }

    // BCL types, so that the transport needs no Kestrel: Kestrel's ConnectionAbortedException and
    // ConnectionResetException, thrown here before, derive from these two, and every handler catches the base type.
    private static OperationCanceledException AbortedError() => new("The connection was aborted.");

    private static IOException ResetError(int errno) => new("The peer reset the connection.", Native.Error(errno));

    /// <summary>Sends what the kernel takes of <paramref name="buffer"/>; a negative result is -errno.</summary>
    private unsafe nint Send(in ReadOnlySequence<byte> buffer)
    {
        nint sent;
        if (buffer.IsSingleSegment)
        {
            var span = buffer.FirstSpan;
            fixed (byte* data = span)
            {
                sent = Native.Send(_fd, data, (nuint)span.Length, Native.MSG_NOSIGNAL);
            }

            return sent >= 0 ? sent : -Native.LastError;
        }

        var vectors = stackalloc Native.IoVector[MaxVectors];
        var pins = new PinSet();
        int count = 0;
        try
        {
            foreach (var segment in buffer)
            {
                if (segment.IsEmpty)
                {
                    continue;
                }

                var handle = segment.Pin();
                pins[count] = handle;
                vectors[count] = new Native.IoVector { Base = (byte*)handle.Pointer, Length = (nuint)segment.Length };
                if (++count == MaxVectors)
                {
                    break;
                }
            }

            var message = new Native.MessageHeader { Vectors = vectors, VectorCount = (nuint)count };
            sent = Native.SendMessage(_fd, &message, Native.MSG_NOSIGNAL);
            return sent >= 0 ? sent : -Native.LastError;
        }
        finally
        {
            for (int i = 0; i < count; i++)
            {
                pins[i].Dispose();
            }
        }
    }

    private ValueTask<bool> WaitWritableAsync(int epoch)
    {
        _writable.Reset();
        Interlocked.Exchange(ref _writeWaiting, 1);
        // Paired with OnEvents, which bumps the epoch before it looks for a waiter: if an edge came after the
        // failed send, either it sees this waiter or this sees its epoch.
        if (Volatile.Read(ref _writableEpoch) != epoch || Volatile.Read(ref _aborted) != 0)
        {
            if (Interlocked.Exchange(ref _writeWaiting, 0) == 1)
            {
                return new ValueTask<bool>(Volatile.Read(ref _aborted) == 0);
            }
        }

        return new ValueTask<bool>(this, _writable.Version);
    }

    /// <summary>Waits for the output readiness that completes a non-blocking connect.</summary>
    internal ValueTask<bool> WaitConnectedAsync(int epoch) => WaitWritableAsync(epoch);

    private void WakeWriter(bool writable)
    {
        if (Interlocked.Exchange(ref _writeWaiting, 0) == 1)
        {
            _writable.SetResult(writable);
        }
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _writable.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _writable.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _writable.OnCompleted(continuation, state, token, flags);

    [InlineArray(MaxVectors)]
    private struct PinSet
    {
        private System.Buffers.MemoryHandle _first;
    }
}
