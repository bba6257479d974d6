using System.Collections.Immutable;
using EdgeGw.Core.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.AccessLogging;

/// <summary>An <c>accessLog</c> object as written (gateway default or a stage's); null members inherit.</summary>
internal sealed record AccessLogConfig(string? Destination, string? Format, bool? Enabled);

/// <summary>
/// <c>accessLog</c>: the gateway's default access log (root key) and each stage's (<c>apis[].stages[].accessLog</c>,
/// read by the API section through <see cref="Read"/>), compiled by <see cref="AccessLogCompiler"/>: a stage's
/// keys over the default's; a stage without the object logs as the default does.
/// </summary>
internal sealed class AccessLogSection : IConfigSection
{
    private const string Key = "accessLog";
    private static readonly string[] Keys = ["destination", "format", "enabled"];

    /// <summary>The gateway default; null when the key is absent.</summary>
    public AccessLogConfig? Config { get; private set; }

    public void Read(IConfiguration root, ConfigReader reader) => Config = Read(reader, root.GetSection(Key), Key);

    public void Validate(ConfigChecks checks) => Validate(checks, Config, Key);

    /// <summary>Reads an <c>accessLog</c> object at <paramref name="path"/>; null when absent.</summary>
    public static AccessLogConfig? Read(ConfigReader reader, IConfigurationSection section, string path)
    {
        if (!section.Exists())
        {
            return null;
        }

        reader.CheckObject(section, path, Keys);
        return new AccessLogConfig(section["destination"], section["format"], reader.ReadBool(section, path, "enabled"));
    }

    public static void Validate(ConfigChecks checks, AccessLogConfig? config, string path)
    {
        if (config is null)
        {
            return;
        }

        if (config.Destination is { } destination && !IsDestination(destination))
        {
            checks.Error($"{path}.destination", $"'{destination}' is not a destination: \"stdout\" or a file path (no control characters)");
        }

        if (config.Format is { } format)
        {
            var errors = new List<string>();
            AccessLogTemplate.Compile(format, errors);
            foreach (string error in errors)
            {
                checks.Error($"{path}.format", error);
            }
        }
    }

    /// <summary>Compiles the default and the stages against it; destinations are interned in order of first use.</summary>
    public AccessLogCompiler CreateCompiler() => new(Config);

    private static bool IsDestination(string value) =>
        value.Length is > 0 and <= 4096 && !value.AsSpan().ContainsAnyInRange('\0', '\x1f') && !value.EndsWith('/');
}

/// <summary>Builds the <see cref="AccessLogSettings"/> of one model: the default, then one per stage that logs.</summary>
internal sealed class AccessLogCompiler
{
    private readonly AccessLogConfig? _default;
    private readonly List<string> _destinations = [];
    private readonly Dictionary<(string Destination, string Format), AccessLogSettings> _settings = [];

    public AccessLogCompiler(AccessLogConfig? gatewayDefault)
    {
        _default = gatewayDefault;
        Default = Compile(null);
    }

    /// <summary>The gateway's default (requests that match no route log here); null when none.</summary>
    public AccessLogSettings? Default { get; }

    /// <summary>Every destination the model writes to; indexed by <see cref="AccessLogSettings.DestinationIndex"/>.</summary>
    public ImmutableArray<string> Destinations => [.. _destinations];

    /// <summary>The access log of a stage whose own object is <paramref name="stage"/> (null: the default's); null for none.</summary>
    public AccessLogSettings? Compile(AccessLogConfig? stage)
    {
        bool enabled = stage?.Enabled ?? (stage is not null || (_default is not null && (_default.Enabled ?? true)));
        if (!enabled)
        {
            return null;
        }

        string destination = stage?.Destination ?? _default?.Destination ?? AccessLogSettings.Stdout;
        string format = stage?.Format ?? _default?.Format ?? "json";
        if (_settings.TryGetValue((destination, format), out var existing))
        {
            return existing;
        }

        int index = _destinations.IndexOf(destination);
        if (index < 0)
        {
            index = _destinations.Count;
            _destinations.Add(destination);
        }

        var template = AccessLogTemplate.Compile(format, []) ?? throw new InvalidOperationException("access log format compiled after validation failed");
        var settings = new AccessLogSettings(destination, index, template);
        _settings.Add((destination, format), settings);
        return settings;
    }
}
