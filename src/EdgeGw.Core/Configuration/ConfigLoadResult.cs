using System.Text;
using EdgeGw.Core.Infrastructure;
using EdgeGw.Core.Model;

namespace EdgeGw.Core.Configuration;

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

    /// <summary>One error per line: reading errors section by section, then check errors section by section.</summary>
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
