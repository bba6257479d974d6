using System.Collections;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Configuration;

/// <summary>Assembles the configuration sources in precedence order: JSON file (or fallback) &lt; EDGEGW_ environment &lt; command line.</summary>
public static class GatewayConfiguration
{
    public const string EnvironmentPrefix = "EDGEGW_";

    /// <summary>Names the config file itself (read by the CLI); not an override, and not warned about.</summary>
    public const string ConfigPathVariable = "EDGEGW_CONFIG";

    /// <summary>The top-level keys of <c>edgegw.json</c>: an <c>EDGEGW_</c> variable overrides a key under one of them.</summary>
    public static IReadOnlyList<string> Sections => ConfigValidator.Sections;

    /// <param name="path">Absolute path of <c>edgegw.json</c>, or null to use <paramref name="fallbackJson"/>.</param>
    /// <param name="fallbackJson">JSON used when there is no file (the embedded demo config); read during this call.</param>
    /// <param name="commandLine">Overrides such as <c>--server:limits:maxHeaderCount=50</c>.</param>
    /// <param name="reloadOnChange">Watch the file and raise the reload token when it changes.</param>
    /// <param name="environment">Variables to read instead of the process environment (tests).</param>
    public static IConfigurationRoot Build(
        string? path,
        Stream? fallbackJson,
        string[] commandLine,
        bool reloadOnChange = false,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var builder = new ConfigurationBuilder();
        if (path is not null)
        {
            builder.AddJsonFile(path, optional: false, reloadOnChange: reloadOnChange);
        }
        else if (fallbackJson is not null)
        {
            builder.AddJsonStream(fallbackJson);
        }

        builder.AddInMemoryCollection(Overrides(environment ?? ProcessEnvironment(), ignored: null));
        builder.AddCommandLine(commandLine);
        return builder.Build();
    }

    /// <summary>
    /// The <c>EDGEGW_</c> variables that are not config keys (their first key, before any <c>__</c>, is no
    /// top-level section of <c>edgegw.json</c>, as with <c>EDGEGW_HOME</c>): they are ignored, and the CLI warns
    /// once about each.
    /// </summary>
    public static IReadOnlyList<string> IgnoredVariables(IReadOnlyDictionary<string, string>? environment = null)
    {
        var ignored = new List<string>();
        Overrides(environment ?? ProcessEnvironment(), ignored);
        ignored.Sort(StringComparer.Ordinal);
        return ignored;
    }

    /// <summary><c>EDGEGW_server__limits__maxHeaderCount</c> → <c>server:limits:maxHeaderCount</c>, for the known top-level keys only.</summary>
    private static Dictionary<string, string?> Overrides(IReadOnlyDictionary<string, string> environment, List<string>? ignored)
    {
        var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in environment)
        {
            if (!name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase)
                || string.Equals(name, ConfigPathVariable, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            string key = name[EnvironmentPrefix.Length..].Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal);
            int end = key.IndexOf(ConfigurationPath.KeyDelimiter, StringComparison.Ordinal);
            if (ConfigValidator.IsRootKey(end < 0 ? key : key[..end]))
            {
                overrides[key] = value;
            }
            else
            {
                ignored?.Add(name);
            }
        }

        return overrides;
    }

    private static Dictionary<string, string> ProcessEnvironment()
    {
        var variables = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string name && entry.Value is string value)
            {
                variables[name] = value;
            }
        }

        return variables;
    }
}
