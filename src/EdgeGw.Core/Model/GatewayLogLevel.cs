namespace EdgeGw.Core.Model;

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
