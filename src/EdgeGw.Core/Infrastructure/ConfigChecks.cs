using System.Buffers;

namespace EdgeGw.Core.Infrastructure;

/// <summary>
/// What sections use to validate their records: errors with JSON paths and the character sets several
/// sections share. Ranges are generous but finite: every client-facing limit must stay bounded.
/// </summary>
internal sealed class ConfigChecks
{
    /// <summary>RFC 9110 token characters (header names, subprotocols, API keys).</summary>
    public static readonly SearchValues<char> TokenChars =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    /// <summary>Names of stages, plans, key ids and stage variables.</summary>
    public static readonly SearchValues<char> NameChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-");

    public static readonly SearchValues<char> HostNameChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.");

    /// <summary>
    /// What may appear literally in a URL path: RFC 3986 pchar plus '/'. No query or fragment (an upstream
    /// path gets the client's query string appended as is).
    /// </summary>
    public static readonly SearchValues<char> PathChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@%/");

    /// <summary>Response headers whose value the gateway owns (framing and connection management).</summary>
    public static readonly string[] GatewayOwnedHeaders =
        ["content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "date", "trailer", "te"];

    private readonly List<ConfigError> _errors;
    private readonly List<ConfigError>? _warnings;

    public ConfigChecks(List<ConfigError> errors, List<ConfigError>? warnings = null)
    {
        _errors = errors;
        _warnings = warnings;
    }

    public void Error(string path, string message) => _errors.Add(new ConfigError(path, message));

    /// <summary>A problem that does not stop the config from loading (an expired certificate): reported, not refused.</summary>
    public void Warning(string path, string message) => _warnings?.Add(new ConfigError(path, message));

    public void Range(string path, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            Error(path, max == long.MaxValue ? $"{value} is less than {min}" : $"{value} is outside {min}..{max}");
        }
    }

    public static bool IsPathSafe(string value) => !value.AsSpan().ContainsAnyExcept(PathChars);

    public static bool IsGatewayOwnedHeader(string name) => Array.IndexOf(GatewayOwnedHeaders, name.ToLowerInvariant()) >= 0;
}
