using EdgeGw.Protocols.Http1;

namespace EdgeGw.Core.Routing;

/// <summary>The stages reachable on one host binding, keyed by their path segment.</summary>
internal sealed class StageSet<TRoute>(byte[][] names, StageTree<TRoute>[] stages, StageTree<TRoute>? defaultStage)
    where TRoute : class
{
    public bool TryMatch(HttpMethod method, ReadOnlySpan<byte> path, ref RouteMatch<TRoute> match)
    {
        if (names.Length > 0)
        {
            int end = path[1..].IndexOf((byte)'/');
            end = end < 0 ? path.Length : end + 1;
            int index = Literals.Find(names, path[1..end]);
            if (index >= 0 && stages[index].TryMatch(method, path, end, ref match))
            {
                match.StagePrefixLength = end;
                return true;
            }
        }

        return defaultStage is not null && defaultStage.TryMatch(method, path, 0, ref match);
    }
}
