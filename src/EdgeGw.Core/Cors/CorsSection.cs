using System.Collections.Immutable;
using EdgeGw.Core.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Cors;

/// <summary>An API's <c>cors</c> object as written (AWS HTTP API's <c>CorsConfiguration</c> keys).</summary>
internal sealed record CorsConfig(
    ImmutableArray<string> AllowOrigins,
    ImmutableArray<string> AllowMethods,
    ImmutableArray<string> AllowHeaders,
    ImmutableArray<string> ExposeHeaders,
    int? MaxAge,
    bool AllowCredentials);

/// <summary>
/// <c>apis[].cors</c>: read and validated for the API section, compiled into a <see cref="CorsPolicy"/> that every
/// route of the API shares. Rules as AWS HTTP APIs: <c>*</c> for any origin, method or header; an origin may have
/// one <c>*</c> for its leftmost host labels (<c>https://*.example.com</c>); no <c>*</c> origin with credentials.
/// </summary>
internal static class CorsSection
{
    /// <summary>AWS's limit on <c>maxAge</c> (seconds).</summary>
    public const int MaxMaxAge = 86400;
    public const int MaxEntries = 100;

    private static readonly string[] Keys = ["allowOrigins", "allowMethods", "allowHeaders", "exposeHeaders", "maxAge", "allowCredentials"];
    private static readonly string[] Methods = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "*"];

    public static CorsConfig? Read(ConfigReader reader, IConfigurationSection section, string path)
    {
        if (!section.Exists())
        {
            return null;
        }

        reader.CheckObject(section, path, Keys);
        return new CorsConfig(
            reader.ReadStrings(section.GetSection("allowOrigins"), ConfigReader.Join(path, "allowOrigins")),
            reader.ReadStrings(section.GetSection("allowMethods"), ConfigReader.Join(path, "allowMethods")),
            reader.ReadStrings(section.GetSection("allowHeaders"), ConfigReader.Join(path, "allowHeaders")),
            reader.ReadStrings(section.GetSection("exposeHeaders"), ConfigReader.Join(path, "exposeHeaders")),
            reader.ReadInt(section, path, "maxAge"),
            reader.ReadBool(section, path, "allowCredentials") ?? false);
    }

    public static void Validate(ConfigChecks checks, CorsConfig? config, string path)
    {
        if (config is null)
        {
            return;
        }

        CheckCount(checks, config.AllowOrigins, $"{path}.allowOrigins");
        CheckCount(checks, config.AllowMethods, $"{path}.allowMethods");
        CheckCount(checks, config.AllowHeaders, $"{path}.allowHeaders");
        CheckCount(checks, config.ExposeHeaders, $"{path}.exposeHeaders");
        for (int i = 0; i < config.AllowOrigins.Length; i++)
        {
            string origin = config.AllowOrigins[i];
            if (origin == "*")
            {
                if (config.AllowCredentials)
                {
                    // AWS's own refusal, word for word.
                    checks.Error($"{path}.allowOrigins[{i}]", "allow-credentials is not supported if 'allow-origin' is * (list the origins: the gateway echoes the one that matched)");
                }

                continue;
            }

            if (!CorsOrigins.TryParse(origin, out _, out string? problem))
            {
                checks.Error($"{path}.allowOrigins[{i}]", problem!);
            }
        }

        for (int i = 0; i < config.AllowMethods.Length; i++)
        {
            if (Array.IndexOf(Methods, config.AllowMethods[i].ToUpperInvariant()) < 0)
            {
                checks.Error($"{path}.allowMethods[{i}]", $"'{config.AllowMethods[i]}' is not GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS or *");
            }
        }

        CheckHeaderNames(checks, config.AllowHeaders, $"{path}.allowHeaders");
        CheckHeaderNames(checks, config.ExposeHeaders, $"{path}.exposeHeaders");
        if (config.MaxAge is { } maxAge)
        {
            checks.Range($"{path}.maxAge", maxAge, -1, MaxMaxAge);
        }
    }

    /// <summary>The compiled policy of a validated <c>cors</c> object; null when the API has none.</summary>
    public static CorsPolicy? Compile(CorsConfig? config) => config is null ? null : CorsPolicy.Create(config);

    private static void CheckCount(ConfigChecks checks, ImmutableArray<string> values, string path)
    {
        if (values.Length > MaxEntries)
        {
            checks.Error(path, $"at most {MaxEntries} entries");
        }
    }

    private static void CheckHeaderNames(ConfigChecks checks, ImmutableArray<string> names, string path)
    {
        for (int i = 0; i < names.Length; i++)
        {
            string name = names[i];
            if (name != "*" && (name.Length is 0 or > 256 || name.AsSpan().ContainsAnyExcept(ConfigChecks.TokenChars)))
            {
                checks.Error($"{path}[{i}]", $"'{name}' is not a header name (an RFC 9110 token) or *");
            }
        }
    }
}
