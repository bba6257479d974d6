using EdgeGw.Protocols.Http1;

namespace EdgeGw.Core.Routing;

/// <summary>
/// The compiled routing trie: custom domain → API mapping → stage tree, or host binding → stage (first path segment, or <c>$default</c>) → path segments → method.
/// Lookups compare raw request bytes, record parameters as offsets and allocate nothing.
/// </summary>
/// <remarks>
/// Precedence follows AWS HTTP APIs: at every segment a literal beats <c>{param}</c>, which beats <c>{proxy+}</c>;
/// a branch that cannot complete (including on the method) is abandoned for the next one, and the stage's
/// <c>$default</c> route catches what no key matches. An exact method beats <c>ANY</c> at the same node.
/// A request whose Host is a custom domain name is routed by the domain's API mappings (longest base path);
/// else a request whose Host matches an API's host binding is routed only among APIs bound to that host;
/// other requests are routed among APIs without a binding.
/// The table knows nothing of what it routes to: <typeparamref name="TRoute"/> is the compiled route
/// (the gateway's <c>RouteModel</c>), so Routing depends on Protocols only.
/// </remarks>
public sealed class RouteTable<TRoute>
    where TRoute : class
{
    private readonly HostBinding<TRoute>[] _hosts;
    private readonly StageSet<TRoute>? _unbound;
    private readonly DomainTable<TRoute>? _domains;

    internal RouteTable(HostBinding<TRoute>[] hosts, StageSet<TRoute>? unbound, int count, DomainTable<TRoute>? domains = null)
    {
        _hosts = hosts;
        _unbound = unbound;
        Count = count;
        _domains = domains;
    }

    /// <summary>A table that matches nothing.</summary>
    public static RouteTable<TRoute> Empty { get; } = new([], null, 0);

    /// <summary>Number of (stage, route) pairs compiled into the table.</summary>
    public int Count { get; }

    /// <summary>
    /// Matches host (the Host header value, port allowed), method and raw path (origin-form, no query) against
    /// the compiled trie. Allocates nothing. Returns false when nothing matches (the caller answers 404).
    /// </summary>
    public bool TryMatch(ReadOnlySpan<byte> host, HttpMethod method, ReadOnlySpan<byte> path, ref RouteMatch<TRoute> match)
    {
        match.Route = null;
        match.StagePrefixLength = 0;
        match.CaptureCount = 0;
        match.Mapping = null;
        if (path.IsEmpty || path[0] != (byte)'/')
        {
            return false;
        }

        // A custom domain name claims its requests whole: its mappings route them, or nothing does (404).
        if (_domains is not null && _domains.Find(RouteHost.Name(host)) is { } domain)
        {
            return domain.TryMatch(method, path, ref match);
        }

        var stages = _unbound;
        if (_hosts.Length > 0)
        {
            var name = RouteHost.Name(host);
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
}
