using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Configuration;

/// <summary>
/// The one way configuration flows: merged <see cref="IConfiguration"/> → <see cref="GatewayConfig"/> records →
/// validation (every error at once) → compiled <see cref="Model.GatewayModel"/>.
/// </summary>
public static class GatewayConfigLoader
{
    public static ConfigLoadResult Load(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var errors = new List<ConfigError>();
        var config = new ConfigReader(errors).Read(configuration);
        new ConfigValidator(errors).Validate(config);
        return errors.Count > 0 ? ConfigLoadResult.Failure(errors) : ConfigLoadResult.Success(ModelCompiler.Compile(config));
    }
}
