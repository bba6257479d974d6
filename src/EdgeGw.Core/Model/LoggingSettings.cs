namespace EdgeGw.Core.Model;

/// <summary>The gateway's own log lines: the lowest level written and the console format.</summary>
/// <remarks>Core references no logging package: <see cref="GatewayLogLevel"/> has the values of
/// Microsoft.Extensions.Logging's <c>LogLevel</c>, which the host casts it to.</remarks>
public sealed record LoggingSettings(GatewayLogLevel Level, LogFormat Format)
{
    public static LoggingSettings Default { get; } = new(GatewayLogLevel.Information, LogFormat.Text);
}
