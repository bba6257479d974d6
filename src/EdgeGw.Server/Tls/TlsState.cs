using EdgeGw.Core.Tls;
using EdgeGw.Server.Logging;
using Microsoft.Extensions.Logging;

namespace EdgeGw.Server.Tls;

/// <summary>
/// The TLS side of the runtime: the listener options current now (swapped with one volatile write when the
/// config reloads or a certificate file changes), handshake counters for <c>/metrics</c>, the rate-limited
/// failure log, and the poll of the certificate files.
/// <para>
/// Certificate files are polled every <see cref="CheckInterval"/> by modification time and length (two
/// <c>stat</c> calls per pair: nothing measurable): a poll sees renames, rewrites and symlink swaps (certbot)
/// alike, where a file watcher misses the target of a symlink. A changed pair is loaded and swapped in for new
/// handshakes; open connections keep the session they negotiated. A pair that fails to load (half written,
/// key not matching yet) keeps the old certificate and is logged once per change.
/// </para>
/// </summary>
public sealed class TlsState : IDisposable
{
    public static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(2);

    private readonly Lock _gate = new();
    private readonly ILogger _logger;
    private readonly ITimer _timer;
    private readonly Dictionary<CertificateSource, (DateTime, long, DateTime, long)> _failedStamps = [];
    private readonly long[] _failures = new long[Enum.GetValues<TlsFailure>().Length];
    private volatile TlsListenerOptions? _options;
    private long _handshakes;
    private long _reloads;
    private long _reloadFailures;

    internal TlsState(TlsSettings? settings, TimeProvider time, ILogger logger)
    {
        _logger = logger;
        Errors = new TlsErrorLog(logger, time);
        Bind(settings);
        _timer = time.CreateTimer(static s => ((TlsState)s!).CheckCertificateFiles(), this, CheckInterval, CheckInterval);
    }

    /// <summary>Null when the model has no <c>server.tls</c>.</summary>
    internal TlsListenerOptions? Options => _options;
    internal TlsErrorLog Errors { get; }

    public long Handshakes => Interlocked.Read(ref _handshakes);
    public long CertificateReloads => Interlocked.Read(ref _reloads);
    public long CertificateReloadFailures => Interlocked.Read(ref _reloadFailures);

    /// <summary>Failed handshakes, indexed by <see cref="TlsFailure"/>.</summary>
    internal long Failures(TlsFailure reason) => Interlocked.Read(ref _failures[(int)reason]);

    /// <summary>A new model: its certificates were loaded afresh with it.</summary>
    internal void Bind(TlsSettings? settings)
    {
        lock (_gate)
        {
            _failedStamps.Clear();
            _options = settings is null ? null : new TlsListenerOptions(settings, settings.Certificates);
        }
    }

    /// <summary>Looks at the certificate files now (the timer calls this; tests call it to skip the wait). Returns whether a certificate was replaced.</summary>
    internal bool CheckCertificateFiles()
    {
        lock (_gate)
        {
            if (_options is not { } current)
            {
                return false;
            }

            var reloaded = new List<string>();
            var failures = new List<(string CertFile, string Message)>();
            var store = current.Store.Reload(_failedStamps, reloaded, failures);
            foreach (var (_, message) in failures)
            {
                Interlocked.Increment(ref _reloadFailures);
                GatewayLog.CertificateReloadFailed(_logger, message);
            }

            if (ReferenceEquals(store, current.Store))
            {
                return false;
            }

            _options = new TlsListenerOptions(current.Settings, store);
            foreach (var file in reloaded)
            {
                Interlocked.Increment(ref _reloads);
                var pair = store.Pairs.First(p => p.CertFile == file);
                GatewayLog.CertificateReloaded(_logger, file, string.Join(", ", pair.Names), pair.NotAfter);
            }

            return true;
        }
    }

    internal void Succeeded() => Interlocked.Increment(ref _handshakes);

    private int _openSslWarned;

    /// <summary>
    /// A <c>server.tls</c> setting that needs <see cref="OpenSslNative"/> is on but this runtime does not allow it: said
    /// once per process (the reason is the same for every such setting).
    /// </summary>
    internal void OpenSslControlUnavailable(string key, string consequence)
    {
        if (Interlocked.Exchange(ref _openSslWarned, 1) == 0)
        {
            GatewayLog.OpenSslControlUnavailable(_logger, key, OpenSslNative.Unavailable is { Length: > 0 } why ? why : "the library refused the call", consequence);
        }
    }

    internal void Failed(TlsFailure reason, string peer, string detail)
    {
        Interlocked.Increment(ref _failures[(int)reason]);
        Errors.Failed(reason, peer, detail);
    }

    public void Dispose() => _timer.Dispose();
}
