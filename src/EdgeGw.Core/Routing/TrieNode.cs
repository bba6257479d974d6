using EdgeGw.Protocols.Http1;

namespace EdgeGw.Core.Routing;

/// <summary>A node of the path trie. Immutable once the table is built.</summary>
internal sealed class TrieNode<TRoute>
    where TRoute : class
{
    public byte[][] LiteralKeys { get; init; } = [];
    public TrieNode<TRoute>[] LiteralChildren { get; init; } = [];
    public TrieNode<TRoute>? Parameter { get; init; }
    public MethodTable<TRoute>? Greedy { get; init; }
    public MethodTable<TRoute>? Endpoints { get; init; }

    /// <summary>Matches from <paramref name="position"/>, which is at a '/' that starts the next segment.</summary>
    public bool Match(HttpMethod method, ReadOnlySpan<byte> path, int position, int depth, ref RouteMatch<TRoute> match)
    {
        int start = position + 1;
        int length = path[start..].IndexOf((byte)'/');
        int end = length < 0 ? path.Length : start + length;
        var segment = path[start..end];

        int literal = Literals.Find(LiteralKeys, segment);
        if (literal >= 0 && LiteralChildren[literal].Continue(method, path, end, depth, ref match))
        {
            return true;
        }

        if (segment.IsEmpty)
        {
            return false;
        }

        if (Parameter is not null)
        {
            match.Captures[depth] = new PathCapture(start, segment.Length);
            if (Parameter.Continue(method, path, end, depth + 1, ref match))
            {
                return true;
            }
        }

        if (Greedy?.Find(method) is { } greedy)
        {
            match.Captures[depth] = new PathCapture(start, path.Length - start);
            match.Route = greedy;
            match.CaptureCount = depth + 1;
            return true;
        }

        return false;
    }

    public bool Complete(HttpMethod method, int depth, ref RouteMatch<TRoute> match)
    {
        if (Endpoints?.Find(method) is { } route)
        {
            match.Route = route;
            match.CaptureCount = depth;
            return true;
        }

        return false;
    }

    private bool Continue(HttpMethod method, ReadOnlySpan<byte> path, int position, int depth, ref RouteMatch<TRoute> match) =>
        position == path.Length ? Complete(method, depth, ref match) : Match(method, path, position, depth, ref match);
}
