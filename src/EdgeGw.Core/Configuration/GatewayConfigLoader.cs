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
        var sections = new GatewaySections();
        new ConfigValidator(errors).Validate(configuration, sections.All);
        return errors.Count > 0 ? ConfigLoadResult.Failure(errors) : ConfigLoadResult.Success(sections.Compile(configuration));
    }
}
