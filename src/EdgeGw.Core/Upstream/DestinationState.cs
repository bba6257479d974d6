using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
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

    private long _connectErrors;
    private long _connectTimeouts;
    private long _tlsErrors;
    private volatile string? _lastTlsError;
    private volatile TlsClient? _tls;

    private readonly TransportKind _transport;

    internal DestinationState(DestinationModel model, UpstreamPoolSettings settings, TimeProvider time, TransportKind transport)
    {
        Model = model;
        _transport = transport;
        Settings = settings;
        _time = time;
        HostHeader = System.Text.Encoding.ASCII.GetBytes(model.Authority);
    }

    /// <summary>The handshake options of an https destination, built once per settings (null for plain http).</summary>
    private sealed record TlsClient(UpstreamTlsSettings Settings, System.Net.Security.SslClientAuthenticationOptions Options);

    /// <summary>
    /// The cluster's TLS settings in the newest model (an https destination only). Settings that differ from the
    /// last ones (another CA, certificate or name) close the idle connections made under the old ones.
    /// </summary>
    internal UpstreamTlsSettings? Tls
    {
        get => _tls?.Settings;
        set
        {
            if (!Model.UseTls || value is null)
            {
                _tls = null;
                return;
            }

            var current = _tls;
            if (current is not null && current.Settings.Fingerprint == value.Fingerprint)
            {
                return;
            }

            _tls = new TlsClient(value, value.CreateOptions(Model.Host));
            if (current is not null)
            {
                CloseIdle();
            }
        }
    }

    /// <summary>The handshake options (for the active health checker, which probes as requests connect); null for plain http.</summary>
    internal System.Net.Security.SslClientAuthenticationOptions? TlsOptions => _tls?.Options;

    /// <summary>Connects that failed or timed out, TLS handshakes included.</summary>
    public long ConnectErrors => Interlocked.Read(ref _connectErrors);
    /// <summary>Of <see cref="ConnectErrors"/>, the connects (resolve, connect, TLS handshake) that ran out of the connect timeout.</summary>
    public long ConnectTimeouts => Interlocked.Read(ref _connectTimeouts);
    /// <summary>Of <see cref="ConnectErrors"/>, the TLS handshakes that failed (verification or refusal).</summary>
    public long TlsHandshakeErrors => Interlocked.Read(ref _tlsErrors);
    /// <summary>Why the last TLS handshake failed ("tls: certificate verification failed: ..."), for the log line.</summary>
    public string? LastTlsError => _lastTlsError;

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
        // The connect timeout covers resolving, connecting and the TLS handshake.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Settings.ConnectTimeout);
        IDisposable? transport = null;
        var tls = _tls;
        try
        {
            var endpoints = _resolved ??= await ResolveAsync(timeout.Token).ConfigureAwait(false);
            IDuplexPipe pipe;
            if (_transport == TransportKind.Epoll)
            {
                var epoll = await ConnectEpollAsync(endpoints, timeout.Token).ConfigureAwait(false);
                transport = epoll;
                pipe = tls is null ? epoll : await TlsPipe.ConnectAsync(new DuplexPipeStream(epoll), tls.Options, timeout.Token).ConfigureAwait(false);
            }
            else
            {
                var socket = await ConnectSocketAsync(endpoints, timeout.Token).ConfigureAwait(false);
                transport = socket;
                // SslStream reads the socket directly: no transport pipe in between.
                pipe = tls is null
                    ? SocketConnection.Create(socket, UpstreamPipeOptions, UpstreamSocketOptions)
                    : await TlsPipe.ConnectAsync(new NetworkStream(socket, ownsSocket: true), tls.Options, timeout.Token).ConfigureAwait(false);
            }

            var connection = new UpstreamConnection(this, pipe, _time);
            Interlocked.Increment(ref _open);
            Interlocked.Increment(ref _opened);
            opened = true;
            return (connection, LeaseError.None);
        }
        catch (OperationCanceledException)
        {
            Interlocked.Increment(ref _connectTimeouts);
            return Failed(LeaseError.ConnectTimedOut);
        }
        catch (SocketException)
        {
            // Names can move: resolve again on the next attempt.
            _resolved = null;
            return Failed(LeaseError.ConnectFailed);
        }
        catch (AuthenticationException ex)
        {
            // The handshake failed: the certificate did not verify, or the backend sent an alert.
            return TlsFailed(ex.Message.Contains("remote certificate", StringComparison.OrdinalIgnoreCase)
                ? $"tls: certificate verification failed: {ex.Message}"
                : $"tls: handshake failed: {ex.Message}");
        }
        catch (IOException ex)
        {
            // The backend closed or reset the connection during the handshake (not speaking TLS, or refusing us).
            return TlsFailed($"tls: handshake failed: {ex.Message}");
        }
        finally
        {
            if (!opened)
            {
                transport?.Dispose();
                DescriptorBudget.Process.Release();
            }
        }

        (UpstreamConnection?, LeaseError) TlsFailed(string reason)
        {
            _lastTlsError = reason;
            Interlocked.Increment(ref _tlsErrors);
            return Failed(LeaseError.TlsFailed);
        }
    }

    private (UpstreamConnection?, LeaseError) Failed(LeaseError error)
    {
        Interlocked.Increment(ref _connectErrors);
        ReleaseLease();
        return (null, error);
    }

    private static async ValueTask<Socket> ConnectSocketAsync(EndPoint[] endpoints, CancellationToken cancellationToken)
    {
        for (int i = 0; ; i++)
        {
            var endpoint = endpoints[i];
            var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
                return socket;
            }
            catch (SocketException) when (i + 1 < endpoints.Length)
            {
                // A name with several addresses (localhost: ::1 and 127.0.0.1): try the next one.
                socket.Dispose();
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }

    private static async ValueTask<EpollConnection> ConnectEpollAsync(EndPoint[] endpoints, CancellationToken cancellationToken)
    {
        for (int i = 0; ; i++)
        {
            try
            {
                return await EpollTransport.ConnectAsync((IPEndPoint)endpoints[i], cancellationToken).ConfigureAwait(false);
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
