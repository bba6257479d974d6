using EdgeGw.Core.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Configuration;

/// <summary>
/// Runs every section over the merged configuration: first each reads its keys (type errors and unknown keys),
/// then each checks what it read (ranges, names, references across sections). Nothing stops at the first
/// problem, so one pass reports every error with its JSON path; the model is compiled only when there is none.
/// </summary>
internal sealed class ConfigValidator
{
    // Listed in the unknown-key message in this order.
    private static readonly string[] RootKeys = ["server", "admin", "logging", "accessLog", "tracing", "cache", "throttle", "apiKeys", "usagePlans", "redis", "state", "clusters", "iam", "apis", "deployments", "domains"];

    private readonly List<ConfigError> _errors;
    private readonly List<ConfigError>? _warnings;

    public ConfigValidator(List<ConfigError> errors, List<ConfigError>? warnings = null)
    {
        _errors = errors;
        _warnings = warnings;
    }

    /// <summary>The top-level sections of <c>edgegw.json</c>.</summary>
    public static IReadOnlyList<string> Sections => RootKeys;

    /// <summary>Whether <paramref name="key"/> is a top-level section of <c>edgegw.json</c> (case-insensitive, as configuration keys are).</summary>
    public static bool IsRootKey(string key) => Array.Exists(RootKeys, k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));

    /// <param name="sections">Every section, in report order (<see cref="GatewaySections.All"/>).</param>
    public void Validate(IConfiguration root, IReadOnlyList<IConfigSection> sections)
    {
        var reader = new ConfigReader(_errors);
        reader.CheckKeys(root, "", RootKeys, []);
        foreach (var section in sections)
        {
            section.Read(root, reader);
        }

        var checks = new ConfigChecks(_errors, _warnings);
        foreach (var section in sections)
        {
            section.Validate(checks);
        }
    }
}
