using System.Buffers;
using System.Text;

namespace EdgeGw.Core.Cors;

/// <summary>One <c>allowOrigins</c> entry compiled: an exact origin, or a scheme + <c>*.</c> + host suffix (+ port).</summary>
/// <param name="Exact">The whole origin, lower case; null for a wildcard entry.</param>
/// <param name="Prefix">A wildcard entry's scheme and <c>://</c>, lower case.</param>
/// <param name="Suffix">A wildcard entry's <c>.host.suffix</c> and optional <c>:port</c>, lower case.</param>
public readonly record struct CorsOrigin(byte[]? Exact, byte[]? Prefix, byte[]? Suffix);

/// <summary>Parsing and matching of serialized origins (<c>scheme://host[:port]</c>, RFC 6454 / Fetch) against <c>allowOrigins</c>.</summary>
public static class CorsOrigins
{
    /// <summary>The longest <c>Origin</c> header value matched; a longer one matches nothing.</summary>
    public const int MaxOriginBytes = 512;

    private static readonly SearchValues<byte> HostBytes = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-."u8);

    /// <summary>
    /// <c>scheme://host[:port]</c> with no path, query, user info or trailing slash; the host may start with one
    /// <c>*.</c> (any one or more leftmost labels, as AWS allows).
    /// </summary>
    public static bool TryParse(string text, out CorsOrigin origin, out string? problem)
    {
        origin = default;
        problem = null;
        int scheme = text.IndexOf("://", StringComparison.Ordinal);
        string lower = text.ToLowerInvariant();
        if (scheme <= 0 || !IsScheme(lower.AsSpan(0, scheme)))
        {
            problem = $"'{text}' is not an origin: scheme://host[:port], e.g. https://app.example.com or https://*.example.com";
            return false;
        }

        string rest = lower[(scheme + 3)..];
        bool wildcard = rest.StartsWith("*.", StringComparison.Ordinal);
        string hostPort = wildcard ? rest[2..] : rest;
        int colon = hostPort.LastIndexOf(':');
        string host = colon < 0 ? hostPort : hostPort[..colon];
        if (host.Length == 0 || host.Length > 253 || Encoding.ASCII.GetBytes(host).AsSpan().ContainsAnyExcept(HostBytes) || host.StartsWith('.') || host.EndsWith('.')
            || host.Contains('*', StringComparison.Ordinal) || text.Length > MaxOriginBytes)
        {
            problem = $"'{text}' is not an origin: scheme://host[:port] (no path or trailing '/'; '*' only as the first label: https://*.example.com)";
            return false;
        }

        if (colon >= 0 && (!ushort.TryParse(hostPort.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ushort port) || port == 0))
        {
            problem = $"'{text}': the port must be 1..65535";
            return false;
        }

        origin = wildcard
            ? new CorsOrigin(null, Encoding.ASCII.GetBytes(lower[..(scheme + 3)]), Encoding.ASCII.GetBytes("." + hostPort))
            : new CorsOrigin(Encoding.ASCII.GetBytes(lower), null, null);
        return true;
    }

    /// <summary>Whether the request's <c>Origin</c> value matches <paramref name="entry"/> (ASCII case-insensitive; no allocation).</summary>
    public static bool Matches(in CorsOrigin entry, ReadOnlySpan<byte> origin)
    {
        if (entry.Exact is { } exact)
        {
            return origin.Length == exact.Length && Ascii.EqualsIgnoreCase(origin, exact);
        }

        var prefix = entry.Prefix!;
        var suffix = entry.Suffix!;
        // At least one label before the suffix: "https://" + "a" + ".example.com".
        if (origin.Length <= prefix.Length + suffix.Length
            || !Ascii.EqualsIgnoreCase(origin[..prefix.Length], prefix)
            || !Ascii.EqualsIgnoreCase(origin[^suffix.Length..], suffix))
        {
            return false;
        }

        var labels = origin[prefix.Length..^suffix.Length];
        return labels[0] != (byte)'.' && labels[^1] != (byte)'.' && !labels.ContainsAnyExcept(HostBytes);
    }

    private static bool IsScheme(ReadOnlySpan<char> scheme)
    {
        if (!char.IsAsciiLetter(scheme[0]))
        {
            return false;
        }

        foreach (char c in scheme)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('+' or '-' or '.'))
            {
                return false;
            }
        }

        return true;
    }
}
