using EdgeGw.Core.Infrastructure;
using EdgeGw.Core.Model;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Configuration;

/// <summary>The gateway's own log lines as written.</summary>
internal sealed record LoggingConfig(string? Level, string? Format);

/// <summary><c>logging</c>: the level and console format of the gateway's operational log, compiled into <see cref="LoggingSettings"/>.</summary>
internal sealed class LoggingSection : IConfigSection
{
    private const string Key = "logging";
    private static readonly string[] Keys = ["level", "format"];

    public LoggingConfig Config { get; private set; } = new(null, null);

    public void Read(IConfiguration root, ConfigReader reader)
    {
        var section = root.GetSection(Key);
        reader.CheckObject(section, Key, Keys);
        Config = new LoggingConfig(section["level"], section["format"]);
    }

    public void Validate(ConfigChecks checks)
    {
        if (Config.Level is { } level && !TryParseLevel(level, out _))
        {
            checks.Error("logging.level", $"'{level}' is not a level: one of {string.Join(", ", Enum.GetNames<GatewayLogLevel>())}");
        }

        if (Config.Format is { } format && !TryParseFormat(format, out _))
        {
            checks.Error("logging.format", $"'{format}' is not a format: \"text\" or \"json\"");
        }
    }

    public LoggingSettings Compile()
    {
        var level = Config.Level is { } l && TryParseLevel(l, out var parsed) ? parsed : LoggingSettings.Default.Level;
        var format = Config.Format is { } f && TryParseFormat(f, out var kind) ? kind : LoggingSettings.Default.Format;
        return new LoggingSettings(level, format);
    }

    private static bool TryParseLevel(string value, out GatewayLogLevel level) =>
        Enum.TryParse(value, ignoreCase: true, out level) && Enum.IsDefined(level) && !value.AsSpan().ContainsAnyInRange('0', '9');

    private static bool TryParseFormat(string value, out LogFormat format)
    {
        format = string.Equals(value, "json", StringComparison.OrdinalIgnoreCase) ? LogFormat.Json : LogFormat.Text;
        return format == LogFormat.Json || string.Equals(value, "text", StringComparison.OrdinalIgnoreCase);
    }
}
