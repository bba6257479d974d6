using EdgeGw.Core.Model;
using EdgeGw.Core.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.UsagePlans;

/// <summary>Local persistence of quota usage when Redis is not configured, as written.</summary>
internal sealed record StateConfig(string Path, int FlushIntervalSeconds);

/// <summary><c>state</c>: where quota usage and admin-created keys are kept on disk.</summary>
internal sealed class StateSection : IConfigSection
{
    private const string Key = "state";
    private static readonly string[] Keys = ["path", "flushIntervalSeconds"];

    public StateConfig Config { get; private set; } = new(StateSettings.Default.Path, (int)StateSettings.Default.FlushInterval.TotalSeconds);

    public void Read(IConfiguration root, ConfigReader reader)
    {
        var section = root.GetSection(Key);
        reader.CheckObject(section, Key, Keys);
        Config = new StateConfig(
            section["path"] ?? StateSettings.Default.Path,
            reader.ReadInt(section, Key, "flushIntervalSeconds") ?? (int)StateSettings.Default.FlushInterval.TotalSeconds);
    }

    public void Validate(ConfigChecks checks)
    {
        checks.Range("state.flushIntervalSeconds", Config.FlushIntervalSeconds, 1, 3600);
        if (string.IsNullOrWhiteSpace(Config.Path))
        {
            checks.Error("state.path", "a file path is required");
        }
    }

    public StateSettings Compile() => new(Config.Path, TimeSpan.FromSeconds(Config.FlushIntervalSeconds));
}
