using System.Text;
using EdgeGw.Core.Configuration;
using EdgeGw.Core.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Tests.Configuration;

/// <summary>Runs one section on its own: JSON through the real sources, then the section's read and validate steps.</summary>
internal static class SectionFixture
{
    public static IConfiguration Json(string json)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        return GatewayConfiguration.Build(null, stream, [], environment: new Dictionary<string, string>());
    }

    /// <summary>Reads and validates <paramref name="section"/>; returns every error, read errors first.</summary>
    public static List<ConfigError> Run(IConfigSection section, string json)
    {
        var errors = new List<ConfigError>();
        section.Read(Json(json), new ConfigReader(errors));
        section.Validate(new ConfigChecks(errors));
        return errors;
    }

    public static List<string> Paths(List<ConfigError> errors) => errors.Select(e => e.Path).ToList();
}
