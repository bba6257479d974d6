using System.Buffers;
using System.Collections.Immutable;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Core.Routing;

/// <summary>A parsed route key: <c>$default</c>, or a method (null for <c>ANY</c>) and a path template.</summary>
internal sealed record RouteKey(bool IsDefault, HttpMethod? Method, ImmutableArray<RouteSegment> Segments)
{
    public const string DefaultKey = "$default";

    // RFC 3986 pchar without '%' (validated separately as pct-encoded), '{' and '}' are not pchar anyway.
    private static readonly SearchValues<char> LiteralChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,;=:@%");

    private static readonly SearchValues<char> NameChars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.");

    public ImmutableArray<string> ParameterNames
    {
        get
        {
            var names = ImmutableArray.CreateBuilder<string>();
            foreach (var segment in Segments)
            {
                if (segment.Kind != RouteSegmentKind.Literal)
                {
                    names.Add(segment.Text);
                }
            }

            return names.ToImmutable();
        }
    }

    /// <summary>Two keys with the same shape would match the same requests, whatever their parameter names.</summary>
    public string Shape
    {
        get
        {
            if (IsDefault)
            {
                return DefaultKey;
            }

            var shape = new System.Text.StringBuilder(Method?.ToString().ToUpperInvariant() ?? "ANY").Append(' ');
            foreach (var segment in Segments)
            {
                shape.Append('/').Append(segment.Kind switch
                {
                    RouteSegmentKind.Parameter => "{}",
                    RouteSegmentKind.Greedy => "{+}",
                    _ => segment.Text,
                });
            }

            return Segments.IsEmpty ? shape.Append('/').ToString() : shape.ToString();
        }
    }

    public static bool TryParse(string key, out RouteKey routeKey, out string error)
    {
        routeKey = null!;
        if (key == DefaultKey)
        {
            routeKey = new RouteKey(true, null, []);
            error = "";
            return true;
        }

        int space = key.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0 || space != key.LastIndexOf(' '))
        {
            error = $"'{key}' is not a route key: expected \"METHOD /path\" (e.g. \"GET /pets/{{id}}\") or \"$default\"";
            return false;
        }

        string methodText = key[..space];
        HttpMethod? method = methodText == "ANY" ? null : ParseMethodName(methodText);
        if (method == HttpMethod.Custom)
        {
            error = $"unsupported method '{methodText}' (expected GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS or ANY)";
            return false;
        }

        if (!TryParsePath(key[(space + 1)..], out var segments, out error))
        {
            return false;
        }

        routeKey = new RouteKey(false, method, segments);
        return true;
    }

    private static bool TryParsePath(string path, out ImmutableArray<RouteSegment> segments, out string error)
    {
        segments = [];
        if (!path.StartsWith('/'))
        {
            error = $"path '{path}' must start with '/'";
            return false;
        }

        if (path.Length > 2048)
        {
            error = "path is longer than 2048 characters";
            return false;
        }

        if (path == "/")
        {
            error = "";
            return true;
        }

        var builder = ImmutableArray.CreateBuilder<RouteSegment>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        string[] parts = path[1..].Split('/');
        for (int i = 0; i < parts.Length; i++)
        {
            string part = parts[i];
            if (part.Length == 0)
            {
                error = $"path '{path}' has an empty segment";
                return false;
            }

            if (part.StartsWith('{'))
            {
                if (!part.EndsWith('}') || part.Length < 3)
                {
                    error = $"segment '{part}' must be a whole {{name}} or {{name+}}";
                    return false;
                }

                bool greedy = part[^2] == '+';
                string name = part[1..(greedy ? ^2 : ^1)];
                if (name.Length == 0 || name.AsSpan().ContainsAnyExcept(NameChars))
                {
                    error = $"parameter name in '{part}' may contain only letters, digits, '_', '-' and '.'";
                    return false;
                }

                if (greedy && i != parts.Length - 1)
                {
                    error = $"greedy parameter '{part}' must be the last segment";
                    return false;
                }

                if (!names.Add(name))
                {
                    error = $"parameter '{name}' appears twice";
                    return false;
                }

                builder.Add(new RouteSegment(greedy ? RouteSegmentKind.Greedy : RouteSegmentKind.Parameter, name));
                continue;
            }

            if (part.AsSpan().ContainsAnyExcept(LiteralChars) || part is "." or "..")
            {
                error = $"segment '{part}' contains characters not allowed in a path (or is a dot segment)";
                return false;
            }

            builder.Add(new RouteSegment(RouteSegmentKind.Literal, part));
        }

        if (names.Count > RouteLimits.MaxCaptures)
        {
            error = $"more than {RouteLimits.MaxCaptures} parameters";
            return false;
        }

        segments = builder.ToImmutable();
        error = "";
        return true;
    }

    /// <summary>A configured method name (exact upper case); <see cref="HttpMethod.Custom"/> when it is not one the gateway routes.</summary>
    internal static HttpMethod ParseMethodName(string text) => text switch
    {
        "GET" => HttpMethod.Get,
        "HEAD" => HttpMethod.Head,
        "POST" => HttpMethod.Post,
        "PUT" => HttpMethod.Put,
        "DELETE" => HttpMethod.Delete,
        "PATCH" => HttpMethod.Patch,
        "OPTIONS" => HttpMethod.Options,
        _ => HttpMethod.Custom,
    };
}
