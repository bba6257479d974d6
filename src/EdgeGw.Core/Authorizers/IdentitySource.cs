using EdgeGw.Protocols.Http1;
using System.Text;

namespace EdgeGw.Core.Authorizers;

public enum IdentitySourceKind : byte
{
    Header,
    QueryString,
}

/// <summary>One compiled <c>identitySource</c>: <c>$request.header.Name</c> or <c>$request.querystring.name</c>.</summary>
public sealed class IdentitySource
{
    private IdentitySource(IdentitySourceKind kind, string name)
    {
        Kind = kind;
        Name = name;
        // Headers are looked up by their lower-case name; query parameters are case-sensitive (as AWS).
        NameBytes = Encoding.UTF8.GetBytes(kind == IdentitySourceKind.Header ? name.ToLowerInvariant() : name);
    }

    public IdentitySourceKind Kind { get; }
    public string Name { get; }
    /// <summary>The header's lower-case name, or the query parameter's name, in UTF-8.</summary>
    public byte[] NameBytes { get; }

    public static bool TryParse(string text, out IdentitySource source, out string? problem)
    {
        source = null!;
        problem = null;
        const string header = "$request.header.";
        const string query = "$request.querystring.";
        if (text.StartsWith(header, StringComparison.OrdinalIgnoreCase) && text.Length > header.Length)
        {
            string name = text[header.Length..];
            if (name.AsSpan().ContainsAnyExcept(Infrastructure.ConfigChecks.TokenChars))
            {
                problem = $"'{name}' is not a header name";
                return false;
            }

            source = new IdentitySource(IdentitySourceKind.Header, name);
            return true;
        }

        if (text.StartsWith(query, StringComparison.OrdinalIgnoreCase) && text.Length > query.Length)
        {
            string name = text[query.Length..];
            if (name.AsSpan().ContainsAny("&=# "))
            {
                problem = $"'{name}' is not a query parameter name";
                return false;
            }

            source = new IdentitySource(IdentitySourceKind.QueryString, name);
            return true;
        }

        problem = $"'{text}' is not \"$request.header.<name>\" or \"$request.querystring.<name>\" (the sources EdgeGw supports)";
        return false;
    }

    /// <summary>The raw value of query parameter <paramref name="name"/> in <paramref name="query"/> (with or without its '?'); empty when absent.</summary>
    public static ReadOnlySpan<byte> QueryValue(ReadOnlySpan<byte> query, ReadOnlySpan<byte> name, out bool found)
    {
        foreach (var pair in new QueryPairs(query))
        {
            if (pair.Name.SequenceEqual(name))
            {
                found = true;
                return pair.Value;
            }
        }

        found = false;
        return default;
    }
}
