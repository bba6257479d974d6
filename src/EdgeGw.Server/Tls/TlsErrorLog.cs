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
    private readonly LogWindow[] _windows;

    public TlsErrorLog(ILogger logger, TimeProvider time)
    {
        _logger = logger;
        _time = time;
        _windows = new LogWindow[Enum.GetValues<TlsFailure>().Length];
        for (int i = 0; i < _windows.Length; i++)
        {
            _windows[i] = new LogWindow();
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
        if (!window.TryEnter(_time, Interval, out int suppressed))
        {
            return;
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
        TlsFailure.ClientCertificate => "client_certificate",
        _ => "other",
    };

}
