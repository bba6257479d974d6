using System.Collections.Frozen;

namespace EdgeGw.Core.Tls;

/// <summary>
/// Values by TLS server name, as certificates are matched: exact names, and <c>*.example.com</c> wildcards
/// indexed under <c>example.com</c>, which stand for exactly one left-most label. The first value added for a
/// name keeps it. Matching is case-insensitive, a trailing dot ignored; a lookup allocates nothing.
/// </summary>
public sealed class SniIndex<T>
    where T : class
{
    private readonly FrozenDictionary<string, T>.AlternateLookup<ReadOnlySpan<char>> _exact;
    private readonly FrozenDictionary<string, T>.AlternateLookup<ReadOnlySpan<char>> _wildcard;

    /// <param name="entries">Names (lower case; wildcards as <c>*.example.com</c>) and their values, first wins.</param>
    public SniIndex(IEnumerable<(string Name, T Value)> entries)
    {
        var exact = new Dictionary<string, T>(StringComparer.OrdinalIgnoreCase);
        var wildcard = new Dictionary<string, T>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in entries)
        {
            if (CertificateNames.IsWildcard(name, out string parent))
            {
                wildcard.TryAdd(parent, value);
            }
            else if (!name.Contains('*', StringComparison.Ordinal))
            {
                exact.TryAdd(name, value);
            }
        }

        _exact = exact.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase).GetAlternateLookup<ReadOnlySpan<char>>();
        _wildcard = wildcard.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase).GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The value for <paramref name="serverName"/>: an exact name, else a wildcard one label up; null when none.</summary>
    public T? Find(ReadOnlySpan<char> serverName)
    {
        if (serverName.IsEmpty)
        {
            return null;
        }

        if (serverName[^1] == '.')
        {
            serverName = serverName[..^1];
        }

        if (_exact.TryGetValue(serverName, out var value))
        {
            return value;
        }

        var parent = CertificateNames.WildcardParent(serverName);
        return !parent.IsEmpty && _wildcard.TryGetValue(parent, out value) ? value : null;
    }
}
