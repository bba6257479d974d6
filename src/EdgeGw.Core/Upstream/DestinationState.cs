using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using EdgeGw.Core.Model;
using EdgeGw.Transport;
using Pipelines.Sockets.Unofficial;

namespace EdgeGw.Core.Upstream;

/// <summary>
/// Runtime state of one destination of one cluster: its keep-alive pool, counters and health. Lives across config
/// reloads (the registry hands the same instance to every model whose cluster of that name lists the authority);
/// another cluster listing the same authority has its own.
/// Leasing is lock-free: a counter bounds connections in use, idle ones wait in a ring-buffer queue that does
/// not allocate once warm.
/// </summary>
public sealed class DestinationState
{
    private readonly ConcurrentQueue<UpstreamConnection> _idle = new();
    private readonly TimeProvider _time;
    private int _leased;
    private int _open;
    private int _idleCount;
    private long _opened;
    private int _inFlight;
    private EndPoint[]? _resolved;
    private volatile bool _retired;
    private int _consecutiveFailures;
    private long _downUntil;
    private long _ejections;
    private volatile bool _activelyDown;

    private readonly TransportKind _transport;

    internal DestinationState(DestinationModel model, UpstreamPoolSettings settings, TimeProvider time, TransportKind transport)
    {
        Model = model;
        _transport = transport;
        Settings = settings;
        _time = time;
        HostHeader = System.Text.Encoding.ASCII.GetBytes(model.Authority);
    }

    public DestinationModel Model { get; }
    /// <summary>Pool settings of this destination's cluster in the newest model.</summary>
    public UpstreamPoolSettings Settings { get; internal set; }
    /// <summary>The Host header value sent upstream.</summary>
    public byte[] HostHeader { get; }
    /// <summary>Connections ever opened (tests assert reuse with it).</summary>
    public long OpenedConnections => Interlocked.Read(ref _opened);
    public int OpenConnections => Volatile.Read(ref _open);
    public int IdleConnections => Volatile.Read(ref _idleCount);
    public int LeasedConnections => Volatile.Read(ref _leased);
    /// <summary>Requests in flight, for least-requests balancing.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Times passive health took this destination out of balancing.</summary>
    public long Ejections => Interlocked.Read(ref _ejections);

    /// <summary>Passive and active health agree it may take requests (at timestamp <paramref name="now"/>).</summary>
    public bool IsHealthy(long now) => !_activelyDown && now >= Volatile.Read(ref _downUntil);

    /// <summary>The <see cref="LoopClock"/> timestamp until which passive health keeps it out of balancing (in the past: not ejected).</summary>
    public long EjectedUntil => Volatile.Read(ref _downUntil);

    /// <summary>Set by the active health checker.</summary>
    public bool ActivelyDown
    {
        get => _activelyDown;
        internal set => _activelyDown = value;
    }

    /// <summary>Raised on each health change (set by the <see cref="UpstreamRegistry"/>, which names the cluster).</summary>
    internal Action<HealthChange, int>? HealthChanged { get; set; }

    /// <summary>A request got a usable answer: the failure streak ends.</summary>
    public void ReportSuccess()
    {
        if (Volatile.Read(ref _consecutiveFailures) != 0)
        {
            Volatile.Write(ref _consecutiveFailures, 0);
        }
    }

    /// <summary>
    /// A request failed here (no connection, timeout, broken or 502/503/504 answer). After the cluster's
    /// consecutive-failure threshold the destination sits out the reactivation period.
    /// </summary>
    public void ReportFailure(HealthSettings health, long now, long ticksPerSecond)
    {
        if (Interlocked.Increment(ref _consecutiveFailures) >= health.ConsecutiveFailures)
        {
            Volatile.Write(ref _consecutiveFailures, 0);
            // Requests still reach an ejected destination when its cluster has no healthy one: its ejection is
            // extended then, and only the ejection of a destination in balancing is a health change.
            bool wasHealthy = now >= Volatile.Read(ref _downUntil);
            Volatile.Write(ref _downUntil, now + (health.ReactivationSeconds * ticksPerSecond));
            Interlocked.Increment(ref _ejections);
            if (wasHealthy)
            {
                HealthChanged?.Invoke(HealthChange.Ejected, health.ReactivationSeconds);
            }
        }
    }

    /// <summary>Active health saw it recover: passive ejection ends early too.</summary>
    internal void MarkUp()
    {
        _activelyDown = false;
        Volatile.Write(ref _downUntil, 0);
    }

    /// <summary>Takes an idle connection, or opens one. Allocates only when a connection is opened.</summary>
    public ValueTask<(UpstreamConnection? Connection, LeaseError Error)> LeaseAsync(bool forceNew, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _leased) > Settings.MaxConnectionsPerDestination)
        {
            Interlocked.Decrement(ref _leased);
            return new((null, LeaseError.PoolExhausted));
        }

        Interlocked.Increment(ref _inFlight);
        if (!forceNew)
        {
            long now = _time.GetTimestamp();
            while (_idle.TryDequeue(out var idle))
            {
                Interlocked.Decrement(ref _idleCount);
                if (_time.GetElapsedTime(idle.IdleSince, now) < Settings.IdleTimeout && idle.IsStillUsable())
                {
                    return new((idle, LeaseError.None));
                }

                idle.Dispose();
            }
        }

        return ConnectAsync(cancellationToken);
    }

    // Socket completions continue inline and pipe continuations run on the thread pool, as Kestrel's own transport
    // does: no dedicated I/O threads competing with the request path for the same cores.
    private static readonly PipeOptions UpstreamPipeOptions = new(
        readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false);

    private const SocketConnectionOptions UpstreamSocketOptions = SocketConnectionOptions.InlineReads | SocketConnectionOptions.InlineWrites;

    private async ValueTask<(UpstreamConnection?, LeaseError)> ConnectAsync(CancellationToken cancellationToken)
    {
        if (!DescriptorBudget.Process.TryAcquire())
        {
            ReleaseLease();
            return (null, LeaseError.OutOfDescriptors);
        }

        // The descriptor is given back by OnConnectionClosed once a connection exists, here otherwise.
        bool opened = false;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Settings.ConnectTimeout);
        Socket? socket = null;
        try
        {
            var endpoints = _resolved ??= await ResolveAsync(timeout.Token).ConfigureAwait(false);
            if (_transport == TransportKind.Epoll)
            {
                var epoll = await ConnectEpollAsync(endpoints, timeout.Token).ConfigureAwait(false);
                opened = true;
                return (new UpstreamConnection(this, epoll, _time), LeaseError.None);
            }

            for (int i = 0; ; i++)
            {
                var endpoint = endpoints[i];
                socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    await socket.ConnectAsync(endpoint, timeout.Token).ConfigureAwait(false);
                    break;
                }
                catch (SocketException) when (i + 1 < endpoints.Length)
                {
                    // A name with several addresses (localhost: ::1 and 127.0.0.1): try the next one.
                    socket.Dispose();
                }
            }

            var connection = new UpstreamConnection(this, SocketConnection.Create(socket, UpstreamPipeOptions, UpstreamSocketOptions), _time);
            Interlocked.Increment(ref _open);
            Interlocked.Increment(ref _opened);
            opened = true;
            return (connection, LeaseError.None);
        }
        catch (OperationCanceledException)
        {
            socket?.Dispose();
            ReleaseLease();
            return (null, LeaseError.ConnectTimedOut);
        }
        catch (SocketException)
        {
            socket?.Dispose();
            // Names can move: resolve again on the next attempt.
            _resolved = null;
            ReleaseLease();
            return (null, LeaseError.ConnectFailed);
        }
        finally
        {
            if (!opened)
            {
                DescriptorBudget.Process.Release();
            }
        }
    }

    private async ValueTask<EpollConnection> ConnectEpollAsync(EndPoint[] endpoints, CancellationToken cancellationToken)
    {
        for (int i = 0; ; i++)
        {
            try
            {
                var connection = await EpollTransport.ConnectAsync((IPEndPoint)endpoints[i], cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref _open);
                Interlocked.Increment(ref _opened);
                return connection;
            }
            catch (SocketException) when (i + 1 < endpoints.Length)
            {
                // A name with several addresses (localhost: ::1 and 127.0.0.1): try the next one.
            }
        }
    }

    private async Task<EndPoint[]> ResolveAsync(CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(Model.Host, out var address))
        {
            return [new IPEndPoint(address, Model.Port)];
        }

        var addresses = await Dns.GetHostAddressesAsync(Model.Host, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        var endpoints = new EndPoint[addresses.Length];
        for (int i = 0; i < addresses.Length; i++)
        {
            endpoints[i] = new IPEndPoint(addresses[i], Model.Port);
        }

        return endpoints;
    }

    /// <summary>
    /// Ends a lease. A connection goes back to the pool only when <paramref name="reusable"/> — the response was
    /// read completely, the request was sent completely and neither side asked to close.
    /// </summary>
    public void Return(UpstreamConnection connection, bool reusable)
    {
        connection.Deadline.Disarm();
        if (reusable && !connection.IsDisposed && !_retired)
        {
            connection.CompletedRequests++;
            connection.IdleSince = _time.GetTimestamp();
            Interlocked.Increment(ref _idleCount);
            _idle.Enqueue(connection);
        }
        else
        {
            connection.Dispose();
        }

        ReleaseLease();
    }

    private void ReleaseLease()
    {
        Interlocked.Decrement(ref _leased);
        Interlocked.Decrement(ref _inFlight);
    }

    internal void OnConnectionClosed()
    {
        Interlocked.Decrement(ref _open);
        DescriptorBudget.Process.Release();
    }

    /// <summary>Closes idle connections older than the idle timeout. Called periodically, off the request path.</summary>
    public void EvictIdle()
    {
        int count = Volatile.Read(ref _idleCount);
        long now = _time.GetTimestamp();
        for (int i = 0; i < count && _idle.TryDequeue(out var idle); i++)
        {
            Interlocked.Decrement(ref _idleCount);
            if (_time.GetElapsedTime(idle.IdleSince, now) < Settings.IdleTimeout && idle.IsStillUsable())
            {
                Interlocked.Increment(ref _idleCount);
                _idle.Enqueue(idle);
            }
            else
            {
                idle.Dispose();
            }
        }
    }

    /// <summary>The destination left the config: close idle connections now and in-use ones when returned.</summary>
    internal void Retire()
    {
        _retired = true;
        CloseIdle();
    }

    /// <summary>Closes every idle connection (shutdown, or the destination left the config).</summary>
    public void CloseIdle()
    {
        while (_idle.TryDequeue(out var idle))
        {
            Interlocked.Decrement(ref _idleCount);
            idle.Dispose();
        }
    }
}
