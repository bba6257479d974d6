using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace EdgeGw.Transport;

/// <summary>
/// A listening socket on the first loop. Accepted connections go to the loops in turn and start receiving at once;
/// <see cref="AcceptAsync"/> hands them to the server.
/// </summary>
public sealed class EpollListener : IEpollHandler, IAsyncDisposable
{
    // Level-triggered, so a burst larger than one turn's accepts is reported again.
    private const uint Interest = Native.EPOLLIN;
    private const int AcceptsPerTurn = 64;

    private readonly Socket _socket;
    private readonly EpollLoop _loop;
    private readonly PipeOptions _receiveOptions;
    private readonly PipeOptions _sendOptions;
    private readonly Channel<EpollConnection> _accepted =
        Channel.CreateUnbounded<EpollConnection>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Lock _registration = new();
    private ulong _token;
    private readonly DescriptorBudget _budget;
    private ITimer? _pause;
    private bool _paused;
    private int _stopped;

    private EpollListener(Socket socket, PipeOptions receiveOptions, PipeOptions sendOptions, DescriptorBudget budget)
    {
        _socket = socket;
        _budget = budget;
        _receiveOptions = receiveOptions;
        _sendOptions = sendOptions;
        EndPoint = socket.LocalEndPoint!;
        _loop = EpollTransport.Loops()[0];
        _token = _loop.Register(this, socket.SafeHandle, Interest);
    }

    /// <summary>The bound address, with the real port when port 0 was asked for.</summary>
    public EndPoint EndPoint { get; }

    /// <summary>
    /// Listens on a socket already bound to its address. Each accepted connection takes a descriptor from
    /// <paramref name="budget"/> (the process's by default) and gives it back when closed; while it is spent,
    /// nothing is accepted.
    /// </summary>
    public static EpollListener Start(Socket bound, int backlog, PipeOptions receiveOptions, PipeOptions sendOptions, DescriptorBudget? budget = null)
    {
        bound.Blocking = false;
        bound.Listen(backlog);
        return new EpollListener(bound, receiveOptions, sendOptions, budget ?? DescriptorBudget.Process);
    }

    /// <summary>The next accepted connection, or null once the listener is stopped.</summary>
    public async ValueTask<EpollConnection?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            while (await _accepted.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (_accepted.Reader.TryRead(out var connection))
                {
                    return connection;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }

        return null;
    }

    /// <summary>Stops accepting; connections already accepted but not taken are closed.</summary>
    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            lock (_registration)
            {
                _pause?.Dispose();
                _loop.Unregister(_token);
            }

            _socket.Dispose();
            _accepted.Writer.TryComplete();
            while (_accepted.Reader.TryRead(out var connection))
            {
                connection.Dispose();
            }
        }

        return ValueTask.CompletedTask;
    }

    unsafe void IEpollHandler.OnEvents(uint events)
    {
        var loops = EpollTransport.Loops();
        byte* address = stackalloc byte[128];
        for (int i = 0; i < AcceptsPerTurn && Volatile.Read(ref _stopped) == 0; i++)
        {
            if (!_budget.TryAcquire())
            {
                // Every descriptor the budget allows is open: leave the client in the kernel's backlog until one closes.
                PauseAccepting(_budget.WhenAvailable());
                return;
            }

            uint length = 128;
            int raw;
            try
            {
                raw = Native.Accept(_socket.SafeHandle, address, &length, Native.SOCK_NONBLOCK | Native.SOCK_CLOEXEC);
            }
            catch (ObjectDisposedException)
            {
                _budget.Release();
                return;
            }

            if (raw < 0)
            {
                int error = Native.LastError;
                _budget.Release();
                if (error is not (Native.EAGAIN or Native.EINTR or ECONNABORTED))
                {
                    // Out of descriptors or memory all the same (other descriptors of the process): the queued
                    // connection stays queued and this level-triggered registration would report it again at
                    // once, spinning the loop. Stop listening for a while.
                    PauseAccepting(null);
                }

                return;
            }

            var fd = new SocketFd(raw) { Budget = _budget };
            EpollTransport.SetNoDelay(fd);
            var loop = loops.Length == 1 ? _loop : EpollTransport.NextLoop(loops);
            var connection = new EpollConnection(loop, fd, _receiveOptions, _sendOptions)
            {
                RemoteEndPoint = ToEndPoint(new ReadOnlySpan<byte>(address, (int)Math.Min(length, 128))),
            };
            try
            {
                connection.Start();
            }
            catch (SocketException)
            {
                connection.Dispose();
                continue;
            }

            if (!_accepted.Writer.TryWrite(connection))
            {
                connection.Dispose();
            }
        }
    }

    private const int ECONNABORTED = 103;
    private static readonly TimeSpan AcceptPause = TimeSpan.FromMilliseconds(100);

    /// <summary>Stops listening until <paramref name="until"/> completes, or for <see cref="AcceptPause"/> when null.</summary>
    private void PauseAccepting(Task? until)
    {
        lock (_registration)
        {
            if (_paused || Volatile.Read(ref _stopped) != 0)
            {
                return;
            }

            _loop.Remove(_socket.SafeHandle, _token);
            _paused = true;
            if (until is null)
            {
                _pause = TimeProvider.System.CreateTimer(static s => ((EpollListener)s!).ResumeAccepting(), this, AcceptPause, Timeout.InfiniteTimeSpan);
            }
            else
            {
                until.ContinueWith(static (_, s) => ((EpollListener)s!).ResumeAccepting(), this, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            }
        }
    }

    private void ResumeAccepting()
    {
        lock (_registration)
        {
            _pause?.Dispose();
            _pause = null;
            if (!_paused)
            {
                return;
            }

            _paused = false;
            if (Volatile.Read(ref _stopped) == 0)
            {
                try
                {
                    _token = _loop.Register(this, _socket.SafeHandle, Interest);
                }
                catch (ObjectDisposedException)
                {
                }
            }
        }
    }

    private static IPEndPoint? ToEndPoint(ReadOnlySpan<byte> raw)
    {
        if (raw.Length < 2)
        {
            return null;
        }

        var family = (ushort)(raw[0] | raw[1] << 8) == Native.AF_INET6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        var address = new SocketAddress(family, raw.Length);
        raw.CopyTo(address.Buffer.Span);
        return (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(address);
    }
}
