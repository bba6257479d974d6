using EdgeGw.Core.Model;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Core.Routing;

/// <summary>Compiled routing trie. Placeholder: replaced by the real implementation.</summary>
public sealed class RouteTable
{
    /// <summary>
    /// Matches host (the Host header value, port allowed), method and raw path (origin-form, no query) against
    /// the compiled trie. Allocates nothing. Returns false when nothing matches (the caller answers 404).
    /// </summary>
    public bool TryMatch(ReadOnlySpan<byte> host, HttpMethod method, ReadOnlySpan<byte> path, ref RouteMatch match)
    {
        match = default;
        return false;
    }
}
