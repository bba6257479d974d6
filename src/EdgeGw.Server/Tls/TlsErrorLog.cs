using EdgeGw.Server.Logging;
using Microsoft.Extensions.Logging;

namespace EdgeGw.Server.Tls;

/// <summary>
/// Failed TLS handshakes, at most one line per reason per <see cref="Interval"/>; the next line carries how many
/// were suppressed. A handshake flood (scanners, a client retrying with the wrong version) leaves a line a
/// second per reason. Called on the failure path only.
/// </summary>
internal sealed class TlsErrorLog
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Window[] _windows;

    public TlsErrorLog(ILogger logger, TimeProvider time)
    {
        _logger = logger;
        _time = time;
        _windows = new Window[Enum.GetValues<TlsFailure>().Length];
        for (int i = 0; i < _windows.Length; i++)
        {
            _windows[i] = new Window();
        }
    }

    public ILogger Logger => _logger;

    public void Failed(TlsFailure reason, string peer, string detail)
    {
        if (!_logger.IsEnabled(LogLevel.Information))
        {
            return;
        }

        var window = _windows[(int)reason];
        long now = _time.GetTimestamp();
        int suppressed;
        lock (window)
        {
            if (window.Logged && _time.GetElapsedTime(window.Start, now) < Interval)
            {
                window.Suppressed++;
                return;
            }

            suppressed = window.Suppressed;
            window.Suppressed = 0;
            window.Start = now;
            window.Logged = true;
        }

        if (suppressed == 0)
        {
            GatewayLog.TlsHandshakeFailed(_logger, peer, Label(reason), detail);
        }
        else
        {
            GatewayLog.TlsHandshakeFailedRepeated(_logger, peer, Label(reason), detail, suppressed);
        }
    }

    /// <summary>The metric label and log word for a reason.</summary>
    public static string Label(TlsFailure reason) => reason switch
    {
        TlsFailure.Timeout => "timeout",
        TlsFailure.Protocol => "protocol",
        TlsFailure.UnknownSni => "unknown_sni",
        TlsFailure.NotTls => "not_tls",
        _ => "other",
    };

    private sealed class Window
    {
        public long Start;
        public int Suppressed;
        public bool Logged;
    }
}
