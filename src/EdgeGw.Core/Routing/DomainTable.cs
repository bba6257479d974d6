namespace EdgeGw.Core.Routing;

/// <summary>
/// Custom domain names by host name: exact names, then <c>*.example.com</c> wildcards matching one more label
/// (as a wildcard certificate does). Keys are lower-case ASCII, sorted; a lookup lower-cases the Host name into
/// a stack buffer and binary-searches, allocating nothing.
/// </summary>
internal sealed class DomainTable<TRoute>(byte[][] exactNames, DomainRoutes<TRoute>[] exact, byte[][] wildcardParents, DomainRoutes<TRoute>[] wildcards)
    where TRoute : class
{
    private const int MaxHostName = 253;

    /// <param name="name">The Host header's name (port removed).</param>
    public DomainRoutes<TRoute>? Find(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty || name.Length > MaxHostName)
        {
            return null;
        }

        Span<byte> lower = stackalloc byte[MaxHostName];
        if (System.Text.Ascii.ToLower(name, lower, out int written) != System.Buffers.OperationStatus.Done)
        {
            return null;
        }

        var key = lower[..written];
        int index = Literals.Find(exactNames, key);
        if (index >= 0)
        {
            return exact[index];
        }

        if (wildcards.Length > 0)
        {
            int dot = key.IndexOf((byte)'.');
            if (dot > 0)
            {
                index = Literals.Find(wildcardParents, key[(dot + 1)..]);
                if (index >= 0)
                {
                    return wildcards[index];
                }
            }
        }

        return null;
    }
}
