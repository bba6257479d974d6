using System.Text;
using System.Text.Json;

namespace EdgeGw.Core.Authorizers;

/// <summary>
/// A verified token, cached by its whole bytes until its <c>exp</c>: the caller's identity for every request that
/// presents it (<c>$context.authorizer.claims.*</c>, principalId = <c>sub</c>, the forwarded header lines built once).
/// </summary>
public sealed class JwtIdentity : CachedEntry
{
    private readonly byte[] _payload;
    private readonly byte[] _sub;
    private readonly byte[][] _scopes;
    private readonly byte[] _headerLines;

    public JwtIdentity(byte[] token, byte[] payload, long expiresAtMs, byte[] forwardPrefix, IReadOnlyList<string> forwardedClaims)
        : base(token, expiresAtMs)
    {
        _payload = payload;
        _sub = TryGetClaim("sub"u8, out var sub) ? sub.ToArray() : [];
        _scopes = ReadScopes(payload);
        var lines = new StringBuilder();
        foreach (string claim in forwardedClaims)
        {
            if (TryGetClaim(Encoding.UTF8.GetBytes(claim), out var value) && IsHeaderSafe(value))
            {
                lines.Append(Encoding.ASCII.GetString(forwardPrefix)).Append(HeaderSuffix(claim)).Append(": ").Append(Encoding.Latin1.GetString(value)).Append("\r\n");
            }
        }

        _headerLines = Encoding.Latin1.GetBytes(lines.ToString());
    }

    public override ReadOnlySpan<byte> PrincipalId => _sub;

    public override ReadOnlySpan<byte> ForwardedHeaderLines => _headerLines;

    /// <summary>The token's payload, a JSON object (a Lambda event's <c>requestContext.authorizer.jwt.claims</c>).</summary>
    public ReadOnlySpan<byte> Claims => _payload;

    /// <summary>The token's scopes: <c>scope</c> split on spaces, then <c>scp</c>'s strings.</summary>
    public byte[][] Scopes => _scopes;

    /// <summary>Whether the token has one of <paramref name="required"/> (none required: true).</summary>
    public bool HasAnyScope(byte[][] required)
    {
        if (required.Length == 0)
        {
            return true;
        }

        foreach (var scope in _scopes)
        {
            foreach (var wanted in required)
            {
                if (scope.AsSpan().SequenceEqual(wanted))
                {
                    return true;
                }
            }
        }

        return false;
    }

    public override bool TryGetClaim(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value) => TryGetMember(_payload, name, out value);

    /// <summary>A top-level member of a JSON object: a string's text as written (without quotes), other values as raw JSON.</summary>
    internal static bool TryGetMember(ReadOnlySpan<byte> json, ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        value = default;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool match = reader.ValueTextEquals(name);
                reader.Read();
                if (match)
                {
                    if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    {
                        int start = (int)reader.TokenStartIndex;
                        reader.Skip();
                        value = json[start..(int)reader.BytesConsumed];
                    }
                    else
                    {
                        value = reader.ValueSpan;
                    }

                    return true;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return false;
    }

    /// <summary>Values that can go into a header as they are (visible ASCII and spaces, at most 1 KB).</summary>
    internal static bool IsHeaderSafe(ReadOnlySpan<byte> value)
    {
        if (value.Length > 1024)
        {
            return false;
        }

        foreach (byte b in value)
        {
            if (b is < 0x20 or >= 0x7f)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary><c>sub</c> → <c>Sub</c>, <c>custom_role</c> → <c>Custom_role</c>: the name after the prefix.</summary>
    internal static string HeaderSuffix(string name) => name.Length == 0 ? name : char.ToUpperInvariant(name[0]) + name[1..];

    private static byte[][] ReadScopes(ReadOnlySpan<byte> payload)
    {
        var scopes = new List<byte[]>();
        if (TryGetMember(payload, "scope"u8, out var scope))
        {
            foreach (var range in scope.Split((byte)' '))
            {
                if (range.End.Value > range.Start.Value)
                {
                    scopes.Add(scope[range].ToArray());
                }
            }
        }

        if (TryGetMember(payload, "scp"u8, out var scp) && scp.Length > 0 && scp[0] == (byte)'[')
        {
            var reader = new Utf8JsonReader(scp);
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.String)
                {
                    scopes.Add(reader.ValueSpan.ToArray());
                }
            }
        }
        else if (!scp.IsEmpty)
        {
            foreach (var range in scp.Split((byte)' '))
            {
                if (range.End.Value > range.Start.Value)
                {
                    scopes.Add(scp[range].ToArray());
                }
            }
        }

        return [.. scopes];
    }
}
