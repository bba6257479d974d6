namespace EdgeGw.Core.Tls;

/// <summary>DNS name rules shared by the certificate index and validation.</summary>
public static class CertificateNames
{
    /// <summary>Lower case, without a trailing dot.</summary>
    public static string Normalize(string name) => name.TrimEnd('.').ToLowerInvariant();

    /// <summary>
    /// The name a wildcard certificate would be indexed under for <paramref name="serverName"/>: everything after
    /// the first label (<c>a.example.com</c> → <c>example.com</c>), as RFC 6125 allows a wildcard to stand for
    /// exactly one left-most label. Empty when the name has a single label or starts with a dot.
    /// </summary>
    public static ReadOnlySpan<char> WildcardParent(ReadOnlySpan<char> serverName)
    {
        int dot = serverName.IndexOf('.');
        return dot <= 0 || dot == serverName.Length - 1 ? default : serverName[(dot + 1)..];
    }

    /// <summary>
    /// Whether <paramref name="name"/> (a certificate's DNS name, lower case) is a wildcard the index serves:
    /// <c>*.</c> then at least two labels (<c>*.example.com</c>, not <c>*.com</c> or <c>a*.example.com</c>).
    /// </summary>
    public static bool IsWildcard(string name, out string parent)
    {
        parent = "";
        if (!name.StartsWith("*.", StringComparison.Ordinal))
        {
            return false;
        }

        string rest = name[2..];
        if (rest.Contains('*', StringComparison.Ordinal) || !rest.Contains('.', StringComparison.Ordinal) || rest.StartsWith('.') || rest.EndsWith('.'))
        {
            return false;
        }

        parent = rest;
        return true;
    }
}
