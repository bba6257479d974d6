using System.Text;
using EdgeGw.Core.Configuration;

namespace EdgeGw.Core.Tests.Configuration;

/// <summary>Loads JSON through the real pipeline (sources → records → validation → compile).</summary>
internal static class ConfigFixture
{
    public static ConfigLoadResult Load(string json, string[]? commandLine = null, Dictionary<string, string>? environment = null)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        var configuration = GatewayConfiguration.Build(null, stream, commandLine ?? [], environment: environment ?? []);
        return GatewayConfigLoader.Load(configuration);
    }

    public static EdgeGw.Core.Model.GatewayModel Valid(string json, string[]? commandLine = null, Dictionary<string, string>? environment = null)
    {
        var result = Load(json, commandLine, environment);
        Assert.True(result.Model is not null, "expected a valid config, got:\n" + result.Format());
        return result.Model!;
    }

    /// <summary>Asserts the config is invalid and returns the error paths.</summary>
    public static List<string> ErrorPaths(string json, string[]? commandLine = null)
    {
        var result = Load(json, commandLine);
        Assert.Null(result.Model);
        Assert.NotEmpty(result.Errors);
        return result.Errors.Select(e => e.Path).ToList();
    }

    /// <summary>One API "a" with stage "s" and the given routes JSON.</summary>
    public static string Api(string routes, string extra = "") => $$"""
        { {{extra}} "apis": [ { "name": "a", "stages": [ { "name": "s", "variables": { "v": "v1" } } ], "routes": [ {{routes}} ] } ] }
        """;

    public const string Mock = """ "integration": { "type": "mock", "body": "x" } """;
}
