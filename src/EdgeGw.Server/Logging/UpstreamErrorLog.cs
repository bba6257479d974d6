using System.Collections.Concurrent;
using EdgeGw.Core.Model;
using EdgeGw.Core.Upstream;
using Microsoft.Extensions.Logging;

namespace EdgeGw.Server.Logging;

/// <summary>
/// Upstream failures on the request path, at most one line per cluster, destination and reason per
/// <see cref="Interval"/>; the next line carries how many were suppressed. A dead upstream answering 502 to
/// every request leaves one line a second, not one per request. Called on the failure path only.
/// </summary>
internal sealed class UpstreamErrorLog
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    // Keyed by names, so a reload (new model objects, same names) keeps the windows; bounded by the names configured.
    private readonly ConcurrentDictionary<(string Cluster, string Destination, UpstreamFailure Reason), LogWindow> _windows = new();

    public UpstreamErrorLog(ILogger logger, TimeProvider time)
    {
        _logger = logger;
        _time = time;
    }

    public static UpstreamFailure From(LeaseError error) => error switch
    {
        LeaseError.ConnectTimedOut => UpstreamFailure.ConnectTimedOut,
        LeaseError.PoolExhausted => UpstreamFailure.PoolExhausted,
        LeaseError.OutOfDescriptors => UpstreamFailure.OutOfDescriptors,
        LeaseError.TlsFailed => UpstreamFailure.TlsFailed,
        _ => UpstreamFailure.ConnectFailed,
    };

    /// <summary>A lease failed: as <see cref="Failed"/>, a TLS failure with the handshake's own reason.</summary>
    public void LeaseFailed(ClusterModel cluster, DestinationState destination, LeaseError error, int status) =>
        Failed(cluster, destination.Model, From(error), status, error == LeaseError.TlsFailed ? destination.LastTlsError : null);

    /// <param name="detail">Replaces the reason's generic text (a TLS failure's "tls: certificate verification failed: ...").</param>
    public void Failed(ClusterModel cluster, DestinationModel destination, UpstreamFailure reason, int status, string? detail = null)
    {
        if (!_logger.IsEnabled(LogLevel.Warning))
        {
            return;
        }

        var window = _windows.GetOrAdd((cluster.Name, destination.Authority, reason), static _ => new LogWindow());
        if (!window.TryEnter(_time, Interval, out int suppressed))
        {
            return;
        }

        if (suppressed == 0)
        {
            GatewayLog.UpstreamFailed(_logger, cluster.Name, destination.Authority, detail ?? Describe(reason), status);
        }
        else
        {
            GatewayLog.UpstreamFailedRepeated(_logger, cluster.Name, destination.Authority, detail ?? Describe(reason), status, suppressed);
        }
    }

    private static readonly byte[][] Messages = [.. Enum.GetValues<UpstreamFailure>().Select(r => System.Text.Encoding.UTF8.GetBytes(Describe(r)))];

    /// <summary>The reason as UTF-8, for the access log's <c>$context.integrationErrorMessage</c>.</summary>
    public static byte[] Message(UpstreamFailure reason) => Messages[(int)reason];

    internal static string Describe(UpstreamFailure reason) => reason switch
    {
        UpstreamFailure.ConnectFailed => "connect failed (refused or unreachable)",
        UpstreamFailure.ConnectTimedOut => "connect timed out",
        UpstreamFailure.TlsFailed => "tls: handshake failed",
        UpstreamFailure.PoolExhausted => "connection pool exhausted",
        UpstreamFailure.OutOfDescriptors => "out of file descriptors",
        UpstreamFailure.ClosedBeforeResponse => "closed before a response",
        UpstreamFailure.MalformedResponse => "malformed response head",
        _ => "response timed out",
    };

}
