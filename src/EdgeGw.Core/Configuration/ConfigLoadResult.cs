using System.Text;
using EdgeGw.Core.Infrastructure;
using EdgeGw.Core.Model;

namespace EdgeGw.Core.Configuration;

/// <summary>Either a compiled model or every error found (or the one reason the file could not be read); never both.</summary>
public sealed class ConfigLoadResult
{
    private ConfigLoadResult(GatewayModel? model, IReadOnlyList<ConfigError> errors, string? fileError = null)
    {
        Model = model;
        Errors = errors;
        FileError = fileError;
    }

    public GatewayModel? Model { get; }
    public IReadOnlyList<ConfigError> Errors { get; }

    /// <summary>
    /// Set when the file is missing, unreadable, empty or not a JSON object (<c>path:line:column: reason</c>
    /// for bad JSON); then <see cref="Errors"/> is empty, as nothing was validated.
    /// </summary>
    public string? FileError { get; }

    /// <summary>The file's bytes as loaded (null for a fallback config or a file error): a reload of the same bytes changes nothing.</summary>
    public byte[]? Source { get; private init; }

    internal static ConfigLoadResult Success(GatewayModel model) => new(model, []);

    internal static ConfigLoadResult Failure(IReadOnlyList<ConfigError> errors) => new(null, errors);

    internal static ConfigLoadResult FileFailure(string error) => new(null, [], error);

    /// <summary>Problems that do not stop the config from loading (an expired certificate), with their JSON paths.</summary>
    public IReadOnlyList<ConfigError> Warnings { get; private init; } = [];

    internal ConfigLoadResult WithSource(byte[] source) => new(Model, Errors, FileError) { Source = source, Warnings = Warnings };

    internal ConfigLoadResult WithWarnings(IReadOnlyList<ConfigError> warnings) => new(Model, Errors, FileError) { Source = Source, Warnings = warnings };

    /// <summary>One warning per line, as <see cref="Format"/> lists errors.</summary>
    public string FormatWarnings()
    {
        var text = new StringBuilder();
        foreach (var warning in Warnings)
        {
            text.Append("  ").Append(warning.Path).Append(": ").AppendLine(warning.Message);
        }

        return text.ToString();
    }

    /// <summary>One error per line: reading errors section by section, then check errors section by section.</summary>
    public string Format()
    {
        if (FileError is not null)
        {
            return FileError;
        }

        var text = new StringBuilder();
        foreach (var error in Errors)
        {
            text.Append("  ").Append(error.Path).Append(": ").AppendLine(error.Message);
        }

        return text.ToString();
    }
}
