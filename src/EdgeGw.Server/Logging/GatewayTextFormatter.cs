using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace EdgeGw.Server.Logging;

/// <summary>
/// <c>logging.format: text</c>: the gateway's own lines (categories <c>EdgeGw.*</c>) as they read, each already
/// "edgegw: …"; lines of the host underneath (Kestrel) as "level: category: message". Exceptions follow the message.
/// </summary>
internal sealed class GatewayTextFormatter : ConsoleFormatter
{
    public const string FormatterName = "edgegw";

    public GatewayTextFormatter()
        : base(FormatterName)
    {
    }

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        string? message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null)
        {
            return;
        }

        if (!logEntry.Category.StartsWith("EdgeGw", StringComparison.Ordinal))
        {
            textWriter.Write(Level(logEntry.LogLevel));
            textWriter.Write(": ");
            textWriter.Write(logEntry.Category);
            textWriter.Write(": ");
        }

        textWriter.Write(message);
        if (logEntry.Exception is { } exception)
        {
            textWriter.Write(Environment.NewLine);
            textWriter.Write(exception.ToString());
        }

        textWriter.Write(Environment.NewLine);
    }

    private static string Level(LogLevel level) => level switch
    {
        LogLevel.Trace => "trace",
        LogLevel.Debug => "debug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        _ => "crit",
    };
}
