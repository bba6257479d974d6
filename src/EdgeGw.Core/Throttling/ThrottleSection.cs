using System.Globalization;
using EdgeGw.Core.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Throttling;

/// <summary>A token bucket as written: a steady rate (requests per second) and a burst (bucket size).</summary>
internal sealed record ThrottleConfig(double RateLimit, int BurstLimit);

/// <summary>
/// <c>throttle</c>: the gateway-wide token bucket (null for none). The same object shape is used by stages,
/// routes, usage plans and WebSocket APIs, which read, check and compile it through the static members.
/// </summary>
internal sealed class ThrottleSection : IConfigSection
{
    private const string Key = "throttle";
    private static readonly string[] Keys = ["rateLimit", "burstLimit"];

    public ThrottleConfig? Config { get; private set; }

    public void Read(IConfiguration root, ConfigReader reader) => Config = Read(reader, root.GetSection(Key), Key);

    public void Validate(ConfigChecks checks) => Validate(checks, Config, Key);

    public ThrottleSettings? Compile() => Compile(Config);

    /// <summary>Null when the object is absent, or when reading it reported an error already.</summary>
    public static ThrottleConfig? Read(ConfigReader reader, IConfigurationSection section, string path)
    {
        if (!section.Exists())
        {
            return null;
        }

        reader.CheckObject(section, path, Keys);
        int errorsBefore = reader.ErrorCount;
        double rate = 0;
        var rateSection = section.GetSection("rateLimit");
        if (!rateSection.Exists())
        {
            reader.Error(ConfigReader.Join(path, "rateLimit"), "required (requests per second)");
        }
        else if (!double.TryParse(rateSection.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out rate))
        {
            reader.Error(ConfigReader.Join(path, "rateLimit"), $"expected a number, got '{rateSection.Value}'");
        }

        int? burst = reader.ReadInt(section, path, "burstLimit");
        if (burst is null && !section.GetSection("burstLimit").Exists())
        {
            reader.Error(ConfigReader.Join(path, "burstLimit"), "required (the bucket size)");
        }

        // Reported already: returning nothing keeps validation from repeating it as a range error.
        return reader.ErrorCount > errorsBefore ? null : new ThrottleConfig(rate, burst ?? 0);
    }

    public static void Validate(ConfigChecks checks, ThrottleConfig? throttle, string path)
    {
        if (throttle is null)
        {
            return;
        }

        if (!(throttle.RateLimit >= 0.001 && throttle.RateLimit <= 10_000_000))
        {
            checks.Error($"{path}.rateLimit", $"{throttle.RateLimit.ToString(CultureInfo.InvariantCulture)} is outside 0.001..10000000 requests per second");
        }

        checks.Range($"{path}.burstLimit", throttle.BurstLimit, 1, 10_000_000);
    }

    public static ThrottleSettings? Compile(ThrottleConfig? throttle) =>
        throttle is null ? null : new ThrottleSettings(throttle.RateLimit, throttle.BurstLimit);
}
