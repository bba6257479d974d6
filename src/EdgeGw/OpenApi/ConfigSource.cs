using EdgeGw.Core.Configuration;
using EdgeGw.Core.Infrastructure;
using EdgeGw.OpenApi;

namespace EdgeGw;

/// <summary>
/// The config file as <c>run</c>, <c>validate</c> and reloads read it: an EdgeGw config as it is, or an OpenAPI
/// document (YAML, or JSON with a top-level <c>openapi</c>/<c>swagger</c> key) converted as
/// <c>edgegw import openapi</c> converts it, its import warnings reported as config warnings (JSON pointers).
/// </summary>
internal static class ConfigSource
{
    public static ConfigLoadResult Load(string path, string[] overrides)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The loader words these (file not found, cannot read).
            return GatewayConfigLoader.LoadFile(path, overrides);
        }

        if (!OpenApiSource.LooksLikeOpenApi(path, bytes))
        {
            return GatewayConfigLoader.LoadFile(path, overrides);
        }

        var imported = OpenApiImporter.Import(path, bytes);
        if (imported.Config is null)
        {
            return GatewayConfigLoader.ConversionFailed($"{path}: not converted from OpenAPI: {string.Join("; ", imported.Errors)}", bytes);
        }

        var warnings = new List<ConfigError>(imported.Warnings.Count);
        foreach (var warning in imported.Warnings)
        {
            warnings.Add(new ConfigError($"openapi {(warning.Pointer.Length == 0 ? "/" : warning.Pointer)}", warning.Message));
        }

        return GatewayConfigLoader.LoadConverted(path, imported.ToUtf8Json(), bytes, overrides, warnings);
    }
}
