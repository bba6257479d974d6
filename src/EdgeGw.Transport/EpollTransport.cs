using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace EdgeGw.Transport;

/// <summary>
/// The process's epoll loops — one per core by default — and the way connections get onto them. Everything a
/// loop does for a connection happens on the loop's thread, so code that runs inline in a receive must not block.
/// </summary>
public static class EpollTransport
{
    private static readonly Lock s_gate = new();
    private static EpollLoop[]? s_loops;
    private static int s_next;

    /// <summary>True on Linux x64 and arm64, where the transport can run.</summary>
    public static bool IsSupported => Native.IsSupported;

    /// <summary>Loops to start on first use; 0 means one per processor the process may run on.</summary>
    public static int LoopCount { get; set; }

    /// <summary>The upstream side's pipes: 64 KiB before the writer waits, as for a Kestrel connection's output.</summary>
    internal static PipeOptions UpstreamPipeOptions { get; } = CreatePipeOptions(64 * 1024);

    /// <summary>
    /// Options for a connection's pipe: the transport's pooled blocks, continuations inline, and the writer waits
    /// once <paramref name="pauseWriterThreshold"/> bytes are unread (resuming at half).
    /// </summary>
    public static PipeOptions CreatePipeOptions(long pauseWriterThreshold) => new(
        pool: PinnedBlockPool.Instance,
        readerScheduler: PipeScheduler.Inline,
        writerScheduler: PipeScheduler.Inline,
        pauseWriterThreshold: pauseWriterThreshold,
        resumeWriterThreshold: pauseWriterThreshold / 2,
        minimumSegmentSize: PinnedBlockPool.BlockSize,
        useSynchronizationContext: false);

    /// <summary>The loop for a new connection: the caller's own when it runs on one, so a client connection and the
    /// upstream connection it opens share a thread; otherwise the next in turn.</summary>
    internal static EpollLoop NextLoop()
    {
        if (EpollLoop.Current is { } current)
        {
            return current;
        }

        return NextLoop(Loops());
    }

    internal static EpollLoop NextLoop(EpollLoop[] loops) =>
        loops[(int)((uint)Interlocked.Increment(ref s_next) % (uint)loops.Length)];

    internal static EpollLoop[] Loops()
    {
        if (Volatile.Read(ref s_loops) is { } loops)
        {
            return loops;
        }

        lock (s_gate)
        {
            if (s_loops is null)
            {
                int count = LoopCount > 0 ? LoopCount : Environment.ProcessorCount;
                var created = new EpollLoop[count];
                for (int i = 0; i < count; i++)
                {
                    created[i] = new EpollLoop(i);
                }

                Volatile.Write(ref s_loops, created);
            }

            return s_loops;
        }
    }

    /// <summary>Opens a TCP connection (TCP_NODELAY set) to <paramref name="endpoint"/>.</summary>
    /// <exception cref="SocketException">The connect failed.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired first.</exception>
    public static async ValueTask<EpollConnection> ConnectAsync(IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        var fd = CreateSocket(endpoint.AddressFamily);
        var connection = new EpollConnection(NextLoop(), fd, UpstreamPipeOptions, UpstreamPipeOptions);
        bool connected = false;
        try
        {
            // Registered after connect() starts: an unconnected socket reports a hang-up. The epoch is read
            // before, so an edge between the two still counts.
            int epoch = connection.WritableEpoch;
            int error = StartConnect(fd, endpoint);
            if (error is 0 or Native.EINPROGRESS)
            {
                connection.RegisterConnecting();
            }

            if (error == Native.EINPROGRESS)
            {
                using (cancellationToken.UnsafeRegister(static c => ((EpollConnection)c!).Abort(), connection))
                {
                    await connection.WaitConnectedAsync(epoch).ConfigureAwait(false);
                }

                cancellationToken.ThrowIfCancellationRequested();
                error = PendingError(fd);
            }

            if (error != 0)
            {
                throw Native.Error(error);
            }

            connection.OnConnected();
            connected = true;
            return connection;
        }
        finally
        {
            if (!connected)
            {
                connection.Dispose();
            }
        }
    }

    internal static unsafe SocketFd CreateSocket(AddressFamily family)
    {
        int domain = family == AddressFamily.InterNetworkV6 ? Native.AF_INET6 : Native.AF_INET;
        int raw = Native.Socket(domain, Native.SOCK_STREAM | Native.SOCK_NONBLOCK | Native.SOCK_CLOEXEC, 0);
        if (raw < 0)
        {
            throw Native.Error(Native.LastError);
        }

        var fd = new SocketFd(raw);
        SetNoDelay(fd);
        return fd;
    }

    internal static unsafe void SetNoDelay(SocketFd fd)
    {
        int one = 1;
        Native.SetSocketOption(fd, Native.IPPROTO_TCP, Native.TCP_NODELAY, &one, sizeof(int));
    }

    private static unsafe int StartConnect(SocketFd fd, IPEndPoint endpoint)
    {
        var address = endpoint.Serialize();
        var bytes = address.Buffer.Span[..address.Size];
        fixed (byte* raw = bytes)
        {
            if (Native.Connect(fd, raw, (uint)bytes.Length) == 0)
            {
                return 0;
            }
        }

        int error = Native.LastError;
        return error == Native.EINTR ? Native.EINPROGRESS : error;
    }

    private static unsafe int PendingError(SocketFd fd)
    {
        int error = 0;
        uint length = sizeof(int);
        return Native.GetSocketOption(fd, Native.SOL_SOCKET, Native.SO_ERROR, &error, &length) == 0 ? error : Native.LastError;
    }
}
