using EdgeGw.Core.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Configuration;

/// <summary>
/// The one way configuration flows: merged <see cref="IConfiguration"/> → each section's records →
/// validation (every error at once) → compiled <see cref="Model.GatewayModel"/>.
/// </summary>
public static class GatewayConfigLoader
{
    public static ConfigLoadResult Load(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var errors = new List<ConfigError>();
        var warnings = new List<ConfigError>();
        var sections = new GatewaySections();
        new ConfigValidator(errors, warnings).Validate(configuration, sections.All);
        var result = errors.Count > 0 ? ConfigLoadResult.Failure(errors) : ConfigLoadResult.Success(sections.Compile(configuration));
        return warnings.Count > 0 ? result.WithWarnings(warnings) : result;
    }

    /// <summary>
    /// Reads <paramref name="path"/> afresh (at start and on each reload) and loads it under the environment and
    /// command-line overrides. A file that is missing, unreadable, empty or malformed JSON is a
    /// <see cref="ConfigLoadResult.FileError"/>, never an exception and never an empty config.
    /// </summary>
    /// <param name="environment">Variables to read instead of the process environment (tests).</param>
    public static ConfigLoadResult LoadFile(string path, string[] commandLine, IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[]? bytes = ConfigFile.Read(path, out string? error);
        return bytes is null ? ConfigLoadResult.FileFailure(error!) : LoadJson(path, bytes, bytes, commandLine, environment);
    }

    /// <summary>
    /// Loads <paramref name="json"/>, a config made from the file at <paramref name="path"/> (an OpenAPI document
    /// converted by the executable), as <see cref="LoadFile"/> loads the file itself. <paramref name="source"/> is the
    /// file's bytes as read (what a reload compares); <paramref name="warnings"/> are the conversion's, listed first.
    /// </summary>
    public static ConfigLoadResult LoadConverted(string path, byte[] json, byte[] source, string[] commandLine,
        IReadOnlyList<ConfigError>? warnings = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(json);
        if (ConfigFile.Check(path, json) is { } error)
        {
            return ConfigLoadResult.FileFailure(error).WithSource(source);
        }

        var result = LoadJson(path, json, source, commandLine, environment);
        if (warnings is { Count: > 0 })
        {
            var all = new List<ConfigError>(warnings);
            all.AddRange(result.Warnings);
            result = result.WithWarnings(all);
        }

        return result;
    }

    /// <summary>A file that could not be converted into a config (an invalid OpenAPI document), as a file error.</summary>
    public static ConfigLoadResult ConversionFailed(string error, byte[]? source) =>
        source is null ? ConfigLoadResult.FileFailure(error) : ConfigLoadResult.FileFailure(error).WithSource(source);

    private static ConfigLoadResult LoadJson(string path, byte[] bytes, byte[] source, string[] commandLine, IReadOnlyDictionary<string, string>? environment)
    {
        IConfiguration configuration;
        using (var json = new MemoryStream(bytes, writable: false))
        {
            try
            {
                configuration = GatewayConfiguration.Build(null, json, commandLine, environment: environment);
            }
            catch (FormatException e)
            {
                // Valid JSON the provider still refuses, such as a key given twice in one object.
                return ConfigLoadResult.FileFailure($"{path}: invalid config: {e.Message}");
            }
        }

        return Load(configuration).WithSource(source);
    }
}
