using Microsoft.Extensions.Logging;

namespace EdgeGw;

/// <summary>The CLI's operational lines once the gateway runs: start, reload, drain (category <c>EdgeGw</c>).</summary>
internal static partial class CliLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "edgegw: serving {Source} on {Addresses}")]
    public static partial void Serving(ILogger logger, string source, string addresses);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information,
        Message = "edgegw: descriptor limit {Limit}{RaisedFrom}: up to {Capacity} connections open at once, client and upstream")]
    public static partial void DescriptorLimit(ILogger logger, long limit, string raisedFrom, long capacity);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "edgegw: admin API on {Addresses}")]
    public static partial void AdminApi(ILogger logger, string addresses);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "edgegw: try  curl {Url}")]
    public static partial void TryDemo(ILogger logger, string url);

    [LoggerMessage(EventId = 5, Level = LogLevel.Information, Message = "edgegw: draining (up to {Seconds} s)")]
    public static partial void Draining(ILogger logger, long seconds);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "edgegw: {Path} reloaded ({Routes} route(s))")]
    public static partial void Reloaded(ILogger logger, string path, int routes);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "edgegw: reload failed, keeping the running config: {Error}")]
    public static partial void ReloadFailed(ILogger logger, string error);

    [LoggerMessage(EventId = 12, Level = LogLevel.Error, Message = "edgegw: {Path} changed but is invalid; keeping the running config\n{Errors}")]
    public static partial void ReloadInvalid(ILogger logger, string path, string errors);

    [LoggerMessage(EventId = 6, Level = LogLevel.Information, Message = "edgegw: state: {Path}")]
    public static partial void StatePath(ILogger logger, string path);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "edgegw: {Path}: {Keys} changed: needs a restart to apply; the rest of the change is applied")]
    public static partial void NeedsRestart(ILogger logger, string path, string keys);

    [LoggerMessage(EventId = 14, Level = LogLevel.Information, Message = "edgegw: reload requested: {Path} is unchanged")]
    public static partial void ReloadUnchanged(ILogger logger, string path);

    [LoggerMessage(EventId = 15, Level = LogLevel.Warning, Message = "edgegw: reload requested, but the gateway runs the embedded demo config: there is no file to reload")]
    public static partial void NothingToReload(ILogger logger);

    [LoggerMessage(EventId = 16, Level = LogLevel.Warning, Message = "edgegw: {Problem}")]
    public static partial void SystemdProblem(ILogger logger, string problem);
}
