using System.Globalization;
using EdgeGw.Core.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Tracing;

/// <summary>The <c>tracing</c> object as written; null members take the defaults of <see cref="TracingSettings"/>.</summary>
internal sealed record TracingConfig(bool? Enabled, double? SampleRatio, string? OtlpEndpoint, string? ServiceName,
    int? MaxQueueSpans, int? MaxBatchSpans, int? ExportIntervalMs, int? TimeoutMs, int? MaxRetries);

/// <summary>
/// <c>tracing</c>: W3C Trace Context on the request path and OTLP/HTTP export of the spans, compiled into
/// <see cref="TracingSettings"/> (null when the key is absent or <c>enabled</c> is false: no request pays for it).
/// </summary>
internal sealed class TracingSection : IConfigSection
{
    private const string Key = "tracing";
    private static readonly string[] Keys = ["enabled", "sampleRatio", "otlpEndpoint", "serviceName", "maxQueueSpans", "maxBatchSpans", "exportIntervalMs", "timeoutMs", "maxRetries"];

    /// <summary>Null when the key is absent.</summary>
    public TracingConfig? Config { get; private set; }

    public void Read(IConfiguration root, ConfigReader reader)
    {
        var section = root.GetSection(Key);
        if (!section.Exists())
        {
            Config = null;
            return;
        }

        reader.CheckObject(section, Key, Keys);
        double? ratio = null;
        if (section.GetSection("sampleRatio") is { } ratioSection && ratioSection.Exists())
        {
            if (double.TryParse(ratioSection.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed))
            {
                ratio = parsed;
            }
            else
            {
                reader.Error($"{Key}.sampleRatio", $"expected a number from 0 to 1, got '{ratioSection.Value}'");
            }
        }

        Config = new TracingConfig(reader.ReadBool(section, Key, "enabled"), ratio, section["otlpEndpoint"], section["serviceName"],
            reader.ReadInt(section, Key, "maxQueueSpans"), reader.ReadInt(section, Key, "maxBatchSpans"),
            reader.ReadInt(section, Key, "exportIntervalMs"), reader.ReadInt(section, Key, "timeoutMs"), reader.ReadInt(section, Key, "maxRetries"));
    }

    public void Validate(ConfigChecks checks)
    {
        if (Config is not { } config)
        {
            return;
        }

        if (config.SampleRatio is { } ratio && !(ratio is >= 0 and <= 1))
        {
            checks.Error($"{Key}.sampleRatio", $"'{ratio.ToString(CultureInfo.InvariantCulture)}' is out of range: 0 to 1");
        }

        if (config.OtlpEndpoint is { } endpoint && !TryParseEndpoint(endpoint, out _))
        {
            checks.Error($"{Key}.otlpEndpoint", $"'{endpoint}' is not an absolute http or https URL without user info or fragment");
        }

        if (config.ServiceName is { } name && (name.Length is 0 or > 256 || name.AsSpan().ContainsAnyInRange('\0', '\x1f')))
        {
            checks.Error($"{Key}.serviceName", "must be 1 to 256 characters, no control characters");
        }

        Range(checks, "maxQueueSpans", config.MaxQueueSpans, 1, 1_000_000);
        Range(checks, "maxBatchSpans", config.MaxBatchSpans, 1, 65_536);
        Range(checks, "exportIntervalMs", config.ExportIntervalMs, 10, 600_000);
        Range(checks, "timeoutMs", config.TimeoutMs, 10, 600_000);
        Range(checks, "maxRetries", config.MaxRetries, 0, 20);
        int queue = config.MaxQueueSpans ?? TracingSettings.DefaultMaxQueueSpans;
        if (config.MaxBatchSpans is { } batch && batch > queue && config.MaxQueueSpans is not < 1)
        {
            checks.Error($"{Key}.maxBatchSpans", $"'{batch}' is more than maxQueueSpans ({queue})");
        }
    }

    /// <summary>The settings, or null when tracing is off.</summary>
    public TracingSettings? Compile()
    {
        if (Config is not { } config || config.Enabled == false)
        {
            return null;
        }

        TryParseEndpoint(config.OtlpEndpoint ?? TracingSettings.DefaultEndpoint, out var endpoint);
        return new TracingSettings(
            config.SampleRatio ?? TracingSettings.DefaultSampleRatio,
            endpoint!,
            config.ServiceName ?? TracingSettings.DefaultServiceName,
            config.MaxQueueSpans ?? TracingSettings.DefaultMaxQueueSpans,
            config.MaxBatchSpans ?? Math.Min(TracingSettings.DefaultMaxBatchSpans, config.MaxQueueSpans ?? TracingSettings.DefaultMaxQueueSpans),
            TimeSpan.FromMilliseconds(config.ExportIntervalMs ?? TracingSettings.DefaultExportIntervalMs),
            TimeSpan.FromMilliseconds(config.TimeoutMs ?? TracingSettings.DefaultTimeoutMs),
            config.MaxRetries ?? TracingSettings.DefaultMaxRetries);
    }

    private static void Range(ConfigChecks checks, string key, int? value, int min, int max)
    {
        if (value is { } v && (v < min || v > max))
        {
            checks.Error($"{Key}.{key}", $"'{v}' is out of range: {min} to {max}");
        }
    }

    private static bool TryParseEndpoint(string value, out Uri? uri) =>
        Uri.TryCreate(value, UriKind.Absolute, out uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && uri.UserInfo.Length == 0 && uri.Fragment.Length == 0 && !value.AsSpan().ContainsAnyInRange('\0', '\x20');
}
