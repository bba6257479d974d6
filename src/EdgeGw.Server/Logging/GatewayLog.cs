using EdgeGw.Core.Upstream;
using Microsoft.Extensions.Logging;

namespace EdgeGw.Server.Logging;

/// <summary>The server's operational log lines, source-generated: no formatting unless the level is enabled.</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Warning,
        Message = "edgegw: upstream {Cluster} destination {Destination}: {Reason}; answered {Status}")]
    public static partial void UpstreamFailed(ILogger logger, string cluster, string destination, string reason, int status);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning,
        Message = "edgegw: upstream {Cluster} destination {Destination}: {Reason}; answered {Status} ({Suppressed} more like it suppressed since the last line)")]
    public static partial void UpstreamFailedRepeated(ILogger logger, string cluster, string destination, string reason, int status, int suppressed);

    /// <summary>A destination's health changed (passive ejection, active probes failing or recovered).</summary>
    public static void Health(ILogger logger, HealthTransition transition)
    {
        switch (transition.Change)
        {
            case HealthChange.Ejected:
                DestinationEjected(logger, transition.Cluster, transition.Destination, transition.Seconds);
                break;
            case HealthChange.ProbesFailing:
                DestinationProbesFailing(logger, transition.Cluster, transition.Destination);
                break;
            default:
                DestinationRecovered(logger, transition.Cluster, transition.Destination);
                break;
        }
    }

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning,
        Message = "edgegw: upstream {Cluster} destination {Destination} ejected after consecutive failures; back in {Seconds} s")]
    private static partial void DestinationEjected(ILogger logger, string cluster, string destination, int seconds);

    [LoggerMessage(EventId = 111, Level = LogLevel.Warning,
        Message = "edgegw: upstream {Cluster} destination {Destination} is down: health probes failing")]
    private static partial void DestinationProbesFailing(ILogger logger, string cluster, string destination);

    [LoggerMessage(EventId = 112, Level = LogLevel.Information,
        Message = "edgegw: upstream {Cluster} destination {Destination} is up again: health probes pass")]
    private static partial void DestinationRecovered(ILogger logger, string cluster, string destination);

    /// <summary>A change of Redis availability (one line per change, from <c>RedisLimits</c>).</summary>
    public static void RedisState(ILogger logger, string line)
    {
        if (line.StartsWith("redis unavailable", StringComparison.Ordinal))
        {
            RedisUnavailable(logger, line);
        }
        else
        {
            RedisAvailable(logger, line);
        }
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Warning, Message = "edgegw: {Line}")]
    private static partial void RedisUnavailable(ILogger logger, string line);

    [LoggerMessage(EventId = 201, Level = LogLevel.Information, Message = "edgegw: {Line}")]
    private static partial void RedisAvailable(ILogger logger, string line);

    /// <summary>A problem with the state file (quota usage, admin-created keys): it could not be read or written.</summary>
    [LoggerMessage(EventId = 210, Level = LogLevel.Warning, Message = "edgegw: {Line}")]
    public static partial void StateFile(ILogger logger, string line);

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning,
        Message = "edgegw: cluster {Cluster}: tls.insecureSkipVerify is on: its https destinations' certificates are NOT verified (anyone on the path can impersonate them); for development only")]
    public static partial void InsecureUpstreamTls(ILogger logger, string cluster);

    [LoggerMessage(EventId = 300, Level = LogLevel.Information,
        Message = "edgegw: TLS handshake from {Peer} failed ({Reason}): {Detail}")]
    public static partial void TlsHandshakeFailed(ILogger logger, string peer, string reason, string detail);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information,
        Message = "edgegw: TLS handshake from {Peer} failed ({Reason}): {Detail} ({Suppressed} more like it suppressed since the last line)")]
    public static partial void TlsHandshakeFailedRepeated(ILogger logger, string peer, string reason, string detail, int suppressed);

    [LoggerMessage(EventId = 310, Level = LogLevel.Information,
        Message = "edgegw: TLS certificate reloaded from {CertFile} (names: {Names}; valid until {NotAfter:yyyy-MM-dd} UTC)")]
    public static partial void CertificateReloaded(ILogger logger, string certFile, string names, DateTime notAfter);

    [LoggerMessage(EventId = 312, Level = LogLevel.Warning,
        Message = "edgegw: server.tls.{Key} is on but cannot be set here ({Reason}): {Consequence}")]
    public static partial void OpenSslControlUnavailable(ILogger logger, string key, string reason, string consequence);

    [LoggerMessage(EventId = 311, Level = LogLevel.Warning,
        Message = "edgegw: TLS certificate files changed but not reloaded, the old certificate stays: {Reason}")]
    public static partial void CertificateReloadFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 400, Level = LogLevel.Warning,
        Message = "edgegw: trace export to {Endpoint} failed ({Reason}); {Spans} spans dropped ({Suppressed} more failed batches since the last line)")]
    public static partial void TraceExportFailed(ILogger logger, Uri endpoint, string reason, int spans, int suppressed);
}
