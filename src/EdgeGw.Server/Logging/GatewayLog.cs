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
}
