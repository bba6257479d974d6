using System.Text;
using EdgeGw.Core.Model;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Core.Routing;

/// <summary>
/// The compiled routing trie: host binding → stage (first path segment, or <c>$default</c>) → path segments → method.
/// Lookups compare raw request bytes, record parameters as offsets and allocate nothing.
/// </summary>
/// <remarks>
/// Precedence follows AWS HTTP APIs: at every segment a literal beats <c>{param}</c>, which beats <c>{proxy+}</c>;
/// a branch that cannot complete (including on the method) is abandoned for the next one, and the stage's
/// <c>$default</c> route catches what no key matches. An exact method beats <c>ANY</c> at the same node.
/// A request whose Host matches an API's host binding is routed only among APIs bound to that host;
/// other requests are routed among APIs without a binding.
/// </remarks>
public sealed class RouteTable
{
    private readonly HostBinding[] _hosts;
    private readonly StageSet? _unbound;

    internal RouteTable(HostBinding[] hosts, StageSet? unbound, int count)
    {
        _hosts = hosts;
        _unbound = unbound;
        Count = count;
    }

    /// <summary>A table that matches nothing.</summary>
    public static RouteTable Empty { get; } = new([], null, 0);

    /// <summary>Number of (stage, route) pairs compiled into the table.</summary>
    public int Count { get; }

    /// <summary>
    /// Matches host (the Host header value, port allowed), method and raw path (origin-form, no query) against
    /// the compiled trie. Allocates nothing. Returns false when nothing matches (the caller answers 404).
    /// </summary>
    public bool TryMatch(ReadOnlySpan<byte> host, HttpMethod method, ReadOnlySpan<byte> path, ref RouteMatch match)
    {
        match.Route = null;
        match.StagePrefixLength = 0;
        match.CaptureCount = 0;
        if (path.IsEmpty || path[0] != (byte)'/')
        {
            return false;
        }

        var stages = _unbound;
        if (_hosts.Length > 0)
        {
            var name = HostName(host);
            foreach (var binding in _hosts)
            {
                if (System.Text.Ascii.EqualsIgnoreCase(name, binding.Host))
                {
                    stages = binding.Stages;
                    break;
                }
            }
        }

        return stages is not null && stages.TryMatch(method, path, ref match);
    }

    /// <summary>The host name of a Host header value: port, IPv6 brackets' port and one trailing dot removed.</summary>
    internal static ReadOnlySpan<byte> HostName(ReadOnlySpan<byte> host)
    {
        if (!host.IsEmpty && host[0] == (byte)'[')
        {
            int close = host.IndexOf((byte)']');
            return close < 0 ? host : host[..(close + 1)];
        }

        int colon = host.IndexOf((byte)':');
        if (colon >= 0)
        {
            host = host[..colon];
        }

        return host.EndsWith("."u8) ? host[..^1] : host;
    }
}

internal sealed class HostBinding(byte[] host, StageSet stages)
{
    public byte[] Host { get; } = host;
    public StageSet Stages { get; } = stages;
}

/// <summary>The stages reachable on one host binding, keyed by their path segment.</summary>
internal sealed class StageSet(byte[][] names, StageTree[] stages, StageTree? defaultStage)
{
    public bool TryMatch(HttpMethod method, ReadOnlySpan<byte> path, ref RouteMatch match)
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

/// <summary>One API deployed to one stage: its route trie and its <c>$default</c> route.</summary>
internal sealed class StageTree(TrieNode root, RouteModel? defaultRoute)
{
    public bool TryMatch(HttpMethod method, ReadOnlySpan<byte> path, int start, ref RouteMatch match)
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

/// <summary>A node of the path trie. Immutable once the table is built.</summary>
internal sealed class TrieNode
{
    public byte[][] LiteralKeys { get; init; } = [];
    public TrieNode[] LiteralChildren { get; init; } = [];
    public TrieNode? Parameter { get; init; }
    public MethodTable? Greedy { get; init; }
    public MethodTable? Endpoints { get; init; }

    /// <summary>Matches from <paramref name="position"/>, which is at a '/' that starts the next segment.</summary>
    public bool Match(HttpMethod method, ReadOnlySpan<byte> path, int position, int depth, ref RouteMatch match)
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

    public bool Complete(HttpMethod method, int depth, ref RouteMatch match)
    {
        if (Endpoints?.Find(method) is { } route)
        {
            match.Route = route;
            match.CaptureCount = depth;
            return true;
        }

        return false;
    }

    private bool Continue(HttpMethod method, ReadOnlySpan<byte> path, int position, int depth, ref RouteMatch match) =>
        position == path.Length ? Complete(method, depth, ref match) : Match(method, path, position, depth, ref match);
}

/// <summary>
/// Routes ending at one node, by method; <c>ANY</c> answers methods without their own route. HEAD falls back to
/// the GET route before ANY: HEAD is GET without the body (RFC 9110 §9.3.2), and the gateway drops the body.
/// </summary>
internal sealed class MethodTable
{
    private readonly RouteModel?[] _byMethod = new RouteModel?[(int)HttpMethod.Connect + 1];
    private RouteModel? _any;

    public RouteModel? Find(HttpMethod method) =>
        _byMethod[(int)method] ?? (method == HttpMethod.Head ? _byMethod[(int)HttpMethod.Get] : null) ?? _any;

    public void Add(HttpMethod? method, RouteModel route)
    {
        ref var slot = ref method is { } m ? ref _byMethod[(int)m] : ref _any;
        if (slot is not null)
        {
            throw new InvalidOperationException($"Route '{route.RouteKey}' conflicts with '{slot.RouteKey}' (validation should have caught this).");
        }

        slot = route;
    }
}

/// <summary>Sorted byte-string keys searched without allocating.</summary>
internal static class Literals
{
    public static int Find(byte[][] keys, ReadOnlySpan<byte> key)
    {
        int low = 0;
        int high = keys.Length - 1;
        while (low <= high)
        {
            int mid = (low + high) >>> 1;
            int order = key.SequenceCompareTo(keys[mid]);
            if (order == 0)
            {
                return mid;
            }

            if (order < 0)
            {
                high = mid - 1;
            }
            else
            {
                low = mid + 1;
            }
        }

        return -1;
    }

    public static (byte[][] Keys, T[] Values) Sorted<T>(Dictionary<string, T> map)
    {
        var keys = new byte[map.Count][];
        var values = new T[map.Count];
        int i = 0;
        foreach (var (key, value) in map)
        {
            keys[i] = Encoding.UTF8.GetBytes(key);
            values[i] = value;
            i++;
        }

        Array.Sort(keys, values, ByteStringComparer.Instance);
        return (keys, values);
    }

    private sealed class ByteStringComparer : IComparer<byte[]>
    {
        public static readonly ByteStringComparer Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
