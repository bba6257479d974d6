using System.Text;
using EdgeGw.Core.Model;

namespace EdgeGw.Core.Configuration;

/// <summary>One problem in the configuration, located by its JSON path (e.g. <c>apis[0].routes[1].key</c>).</summary>
public readonly record struct ConfigError(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>Either a compiled model or every error found; never both.</summary>
public sealed class ConfigLoadResult
{
    private ConfigLoadResult(GatewayModel? model, IReadOnlyList<ConfigError> errors)
    {
        Model = model;
        Errors = errors;
    }

    public GatewayModel? Model { get; }
    public IReadOnlyList<ConfigError> Errors { get; }

    internal static ConfigLoadResult Success(GatewayModel model) => new(model, []);

    internal static ConfigLoadResult Failure(IReadOnlyList<ConfigError> errors) => new(null, errors);

    /// <summary>One error per line, in document order.</summary>
    public string Format()
    {
        var text = new StringBuilder();
        foreach (var error in Errors)
        {
            text.Append("  ").Append(error.Path).Append(": ").AppendLine(error.Message);
        }

        return text.ToString();
    }
}
