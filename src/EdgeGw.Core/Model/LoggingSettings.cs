namespace EdgeGw.Core.Model;

/// <summary>The gateway's own log lines: the lowest level written and the console format.</summary>
/// <remarks>Core references no logging package: <see cref="GatewayLogLevel"/> has the values of
/// Microsoft.Extensions.Logging's <c>LogLevel</c>, which the host casts it to.</remarks>
public sealed record LoggingSettings(GatewayLogLevel Level, LogFormat Format)
{
    public static LoggingSettings Default { get; } = new(GatewayLogLevel.Information, LogFormat.Text);
}

/// <summary>The levels of Microsoft.Extensions.Logging's <c>LogLevel</c>, with the same values.</summary>
public enum GatewayLogLevel
{
    Trace = 0,
    Debug = 1,
    Information = 2,
    Warning = 3,
    Error = 4,
    Critical = 5,
    None = 6,
}

/// <summary>How console log lines are written.</summary>
public enum LogFormat
{
    /// <summary>One line of text per entry.</summary>
    Text,

    /// <summary>One JSON object per line.</summary>
    Json,
}
