using System.Collections.Immutable;
using System.Text;

namespace EdgeGw.Core.Cors;

/// <summary>The gateway's answer to a preflight request (see <see cref="CorsPolicy.CheckPreflight"/>).</summary>
public enum CorsPreflightResult : byte
{
    Allowed,
    OriginRefused,
    MethodRefused,
    HeadersRefused,
}

/// <summary>
/// An API's <c>cors</c> compiled: origin entries, methods and headers as bytes, and the header lines the answers
/// carry pre-encoded. Checks compare request bytes in place and allocate nothing.
/// </summary>
public sealed class CorsPolicy
{
    private readonly CorsOrigin[] _origins;
    private readonly byte[][] _methods;
    private readonly byte[][] _headers;

    private CorsPolicy(CorsConfig config)
    {
        AnyOrigin = config.AllowOrigins.Contains("*");
        AllowCredentials = config.AllowCredentials;
        var origins = new List<CorsOrigin>();
        foreach (string origin in config.AllowOrigins)
        {
            if (origin != "*" && CorsOrigins.TryParse(origin, out var entry, out _))
            {
                origins.Add(entry);
            }
        }

        _origins = [.. origins];
        var methods = new List<byte[]>();
        foreach (string method in config.AllowMethods)
        {
            if (method == "*")
            {
                AnyMethod = true;
            }
            else
            {
                methods.Add(Encoding.ASCII.GetBytes(method.ToUpperInvariant()));
            }
        }

        _methods = [.. methods];
        var headers = new List<byte[]>();
        foreach (string header in config.AllowHeaders)
        {
            if (header == "*")
            {
                AnyHeader = true;
            }
            else
            {
                headers.Add(Encoding.ASCII.GetBytes(header.ToLowerInvariant()));
            }
        }

        _headers = [.. headers];
        AllowMethodsLine = _methods.Length == 0 ? null : Line("Access-Control-Allow-Methods", string.Join(",", config.AllowMethods.Where(m => m != "*").Select(m => m.ToUpperInvariant())));
        AllowHeadersLine = _headers.Length == 0 ? null : Line("Access-Control-Allow-Headers", string.Join(",", config.AllowHeaders.Where(h => h != "*").Select(h => h.ToLowerInvariant())));
        ExposeHeadersLine = config.ExposeHeaders.IsEmpty ? null : Line("Access-Control-Expose-Headers", string.Join(",", config.ExposeHeaders));
        MaxAgeLine = config.MaxAge is { } maxAge ? Line("Access-Control-Max-Age", maxAge.ToString(System.Globalization.CultureInfo.InvariantCulture)) : null;
    }

    /// <summary><c>*</c> is among the origins (then, credentials being refused with it, the answers say <c>*</c>).</summary>
    public bool AnyOrigin { get; }
    public bool AnyMethod { get; }
    public bool AnyHeader { get; }
    public bool AllowCredentials { get; }

    /// <summary>The answer depends on the request's Origin (any list but a bare <c>*</c>): responses carry <c>Vary: Origin</c>.</summary>
    public bool VaryByOrigin => !AnyOrigin;

    /// <summary>Pre-encoded lines ending CRLF; null when the policy has nothing for them.</summary>
    public byte[]? AllowMethodsLine { get; }
    public byte[]? AllowHeadersLine { get; }
    public byte[]? ExposeHeadersLine { get; }
    public byte[]? MaxAgeLine { get; }

    public static ReadOnlySpan<byte> CredentialsLine => "Access-Control-Allow-Credentials: true\r\n"u8;
    public static ReadOnlySpan<byte> AnyOriginLine => "Access-Control-Allow-Origin: *\r\n"u8;
    public static ReadOnlySpan<byte> VaryLine => "Vary: Origin\r\n"u8;

    internal static CorsPolicy Create(CorsConfig config) => new(config);

    /// <summary>Whether <paramref name="origin"/> (the request's Origin value) is allowed.</summary>
    public bool AllowsOrigin(ReadOnlySpan<byte> origin)
    {
        if (origin.IsEmpty || origin.Length > CorsOrigins.MaxOriginBytes)
        {
            return false;
        }

        if (AnyOrigin)
        {
            return true;
        }

        foreach (ref readonly var entry in _origins.AsSpan())
        {
            if (CorsOrigins.Matches(in entry, origin))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a preflight's <c>Access-Control-Request-Method</c> is allowed (methods are case-sensitive tokens).</summary>
    public bool AllowsMethod(ReadOnlySpan<byte> method)
    {
        if (method.IsEmpty)
        {
            return false;
        }

        if (AnyMethod)
        {
            return true;
        }

        foreach (byte[] allowed in _methods)
        {
            if (method.SequenceEqual(allowed))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether every name of a preflight's <c>Access-Control-Request-Headers</c> (a comma list) is allowed.</summary>
    public bool AllowsHeaders(ReadOnlySpan<byte> list)
    {
        if (AnyHeader)
        {
            return true;
        }

        while (!list.IsEmpty)
        {
            int comma = list.IndexOf((byte)',');
            var name = (comma < 0 ? list : list[..comma]).Trim(" \t"u8);
            list = comma < 0 ? default : list[(comma + 1)..];
            if (name.IsEmpty)
            {
                continue;
            }

            if (!IsAllowedHeader(name))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The preflight decision: origin, then method, then headers (a refusal carries no CORS headers).</summary>
    public CorsPreflightResult CheckPreflight(ReadOnlySpan<byte> origin, ReadOnlySpan<byte> method, ReadOnlySpan<byte> headers) =>
        !AllowsOrigin(origin) ? CorsPreflightResult.OriginRefused
        : !AllowsMethod(method) ? CorsPreflightResult.MethodRefused
        : !AllowsHeaders(headers) ? CorsPreflightResult.HeadersRefused
        : CorsPreflightResult.Allowed;

    /// <summary>Whether a response header (by name) is one the policy owns: backend-sent ones are dropped.</summary>
    public static bool IsCorsHeader(ReadOnlySpan<byte> name) =>
        name.Length > 15 && Ascii.EqualsIgnoreCase(name[..15], "access-control-"u8);

    private bool IsAllowedHeader(ReadOnlySpan<byte> name)
    {
        foreach (byte[] allowed in _headers)
        {
            if (name.Length == allowed.Length && Ascii.EqualsIgnoreCase(name, allowed))
            {
                return true;
            }
        }

        return false;
    }

    private static byte[] Line(string name, string value) => Encoding.ASCII.GetBytes($"{name}: {value}\r\n");
}
