using EdgeGw.Protocols.Http1;

namespace EdgeGw.Core.Routing;

/// <summary>One API deployed to one stage: its route trie and its <c>$default</c> route.</summary>
internal sealed class StageTree<TRoute>(TrieNode<TRoute> root, TRoute? defaultRoute)
    where TRoute : class
{
    public bool TryMatch(HttpMethod method, ReadOnlySpan<byte> path, int start, ref RouteMatch<TRoute> match)
    {
        // "/prod", "/prod/" and "/" all address the root.
        bool matched = start >= path.Length - 1
            ? root.Complete(method, 0, ref match)
            : root.Match(method, path, start, 0, ref match);
        if (!matched && defaultRoute is not null)
        {
            match.Route = defaultRoute;
            match.CaptureCount = 0;
            matched = true;
        }

        return matched;
    }
}
