using EdgeGw.Protocols.Http1;

namespace EdgeGw.Core.Routing;

/// <summary>
/// One custom domain name's API mappings: base paths (sorted byte strings) to the stage trees they map to, and the
/// catch-all <c>(none)</c> mapping. The longest base path that matches whole segments wins; its bytes are the
/// route's stage prefix, removed from the path the stage's routes see.
/// </summary>
internal sealed class DomainRoutes<TRoute>(byte[][] basePaths, ApiMapping[] mappings, StageTree<TRoute>[] trees, int maxDepth,
    ApiMapping? catchAll, StageTree<TRoute>? catchAllTree)
    where TRoute : class
{
    /// <summary>The most segments a base path may have (validation's limit), which bounds the lookups per request.</summary>
    public const int MaxSegments = 16;

    /// <summary>Matches <paramref name="path"/> (starting with '/'): at most one binary search per segment of the deepest base path.</summary>
    public bool TryMatch(HttpMethod method, ReadOnlySpan<byte> path, ref RouteMatch<TRoute> match)
    {
        Span<int> ends = stackalloc int[MaxSegments];
        int count = 0;
        int position = 1;
        while (count < maxDepth)
        {
            int next = path[position..].IndexOf((byte)'/');
            int end = next < 0 ? path.Length : position + next;
            if (end == position)
            {
                // An empty segment: no base path has one.
                break;
            }

            ends[count++] = end;
            if (next < 0)
            {
                break;
            }

            position = end + 1;
        }

        for (int i = count - 1; i >= 0; i--)
        {
            int end = ends[i];
            int index = Literals.Find(basePaths, path[1..end]);
            if (index >= 0)
            {
                // AWS selects the mapping by path alone: a mapped API without a matching route is a 404 here,
                // not a fall back to a shorter mapping.
                match.Mapping = mappings[index];
                match.StagePrefixLength = end;
                return trees[index].TryMatch(method, path, end, ref match);
            }
        }

        if (catchAllTree is null)
        {
            return false;
        }

        match.Mapping = catchAll;
        match.StagePrefixLength = 0;
        return catchAllTree.TryMatch(method, path, 0, ref match);
    }
}
