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
