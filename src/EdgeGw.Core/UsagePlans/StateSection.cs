using EdgeGw.Core.Model;
using EdgeGw.Core.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.UsagePlans;

/// <summary>Local persistence of quota usage when Redis is not configured, as written (<c>Path</c> null: not set).</summary>
internal sealed record StateConfig(string? Path, int FlushIntervalSeconds);

/// <summary><c>state</c>: where quota usage and admin-created keys are kept on disk.</summary>
internal sealed class StateSection : IConfigSection
{
    private const string Key = "state";
    private static readonly string[] Keys = ["path", "flushIntervalSeconds"];

    private static readonly int DefaultFlushSeconds = (int)StateSettings.Default.FlushInterval.TotalSeconds;

    public StateConfig Config { get; private set; } = new(null, DefaultFlushSeconds);

    public void Read(IConfiguration root, ConfigReader reader)
    {
        var section = root.GetSection(Key);
        reader.CheckObject(section, Key, Keys);
        Config = new StateConfig(
            section["path"],
            reader.ReadInt(section, Key, "flushIntervalSeconds") ?? DefaultFlushSeconds);
    }

    public void Validate(ConfigChecks checks)
    {
        checks.Range("state.flushIntervalSeconds", Config.FlushIntervalSeconds, 1, 3600);
        if (Config.Path is not null && string.IsNullOrWhiteSpace(Config.Path))
        {
            checks.Error("state.path", "a file path is required");
        }
    }

    /// <summary>
    /// An explicit <c>state.path</c> (relative to the working directory) wins; otherwise the data directory
    /// (<see cref="StateSettings.DefaultPath"/>), read from the environment when the config is compiled.
    /// </summary>
    public StateSettings Compile() => new(
        Config.Path ?? StateSettings.DefaultPath(Environment.GetEnvironmentVariable),
        TimeSpan.FromSeconds(Config.FlushIntervalSeconds));
}
