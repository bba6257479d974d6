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
    private static readonly string[] RootKeys = ["server", "admin", "cache", "throttle", "apiKeys", "usagePlans", "redis", "state", "clusters", "apis"];

    // EDGEGW_CONFIG names the file itself; it arrives as a root key through the environment provider.
    private static readonly string[] IgnoredRootKeys = ["config"];

    private readonly List<ConfigError> _errors;

    public ConfigValidator(List<ConfigError> errors) => _errors = errors;

    /// <param name="sections">Every section, in report order (<see cref="GatewaySections.All"/>).</param>
    public void Validate(IConfiguration root, IReadOnlyList<IConfigSection> sections)
    {
        var reader = new ConfigReader(_errors);
        reader.CheckKeys(root, "", RootKeys, IgnoredRootKeys);
        foreach (var section in sections)
        {
            section.Read(root, reader);
        }

        var checks = new ConfigChecks(_errors);
        foreach (var section in sections)
        {
            section.Validate(checks);
        }
    }
}
