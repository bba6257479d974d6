using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Configuration;

/// <summary>Assembles the configuration sources in precedence order: JSON file (or fallback) &lt; EDGEGW_ environment &lt; command line.</summary>
public static class GatewayConfiguration
{
    public const string EnvironmentPrefix = "EDGEGW_";

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

        if (environment is null)
        {
            builder.AddEnvironmentVariables(EnvironmentPrefix);
        }
        else
        {
            var variables = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, value) in environment)
            {
                if (name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase))
                {
                    variables[name[EnvironmentPrefix.Length..].Replace("__", ConfigurationPath.KeyDelimiter, StringComparison.Ordinal)] = value;
                }
            }

            builder.AddInMemoryCollection(variables);
        }

        builder.AddCommandLine(commandLine);
        return builder.Build();
    }
}
