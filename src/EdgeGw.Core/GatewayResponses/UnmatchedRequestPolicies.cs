using System.Text;
using EdgeGw.Core.Cors;
using EdgeGw.Core.Routing;

namespace EdgeGw.Core.GatewayResponses;

/// <summary>The per-API answers policy of a request that matched no route: its API's gateway responses and CORS.</summary>
public sealed record ApiAnswerPolicy(string ApiName, GatewayResponseSet? GatewayResponses, CorsPolicy? Cors);

/// <summary>
/// Which API's <c>gatewayResponses</c> and <c>cors</c> apply to a request that matched no route (the 404, and a
/// CORS preflight for a path without an OPTIONS route): the one HTTP API bound to the request's Host; for a
/// Host no API binds (and no custom domain claims), the one HTTP API without host bindings. Anything else —
/// a custom domain, a host two APIs share, several unbound APIs — gets the built-in answer (the API cannot be
/// told from the request). Null on the model when no API configures either.
/// </summary>
public sealed class UnmatchedRequestPolicies
{
    private readonly byte[][] _hosts;
    private readonly ApiAnswerPolicy?[] _policies;
    private readonly ApiAnswerPolicy? _unbound;

    private UnmatchedRequestPolicies(byte[][] hosts, ApiAnswerPolicy?[] policies, ApiAnswerPolicy? unbound)
    {
        _hosts = hosts;
        _policies = policies;
        _unbound = unbound;
    }

    /// <summary>The policy for a request with Host (authority) <paramref name="authority"/>; null: built-in answers.</summary>
    public ApiAnswerPolicy? Find(ReadOnlySpan<byte> authority)
    {
        var name = RouteHost.Name(authority);
        var hosts = _hosts;
        for (int i = 0; i < hosts.Length; i++)
        {
            if (Ascii.EqualsIgnoreCase(name, hosts[i]))
            {
                return _policies[i];
            }
        }

        return _unbound;
    }

    /// <param name="apis">Each HTTP API: its name, host bindings (empty: any Host) and compiled policies.</param>
    /// <param name="domainNames">Custom domain names (their requests are routed by mappings: built-in answers).</param>
    internal static UnmatchedRequestPolicies? Create(IReadOnlyList<(string Name, IReadOnlyList<string> Hosts, GatewayResponseSet? Responses, CorsPolicy? Cors)> apis, IEnumerable<string> domainNames)
    {
        bool any = false;
        var byHost = new Dictionary<string, ApiAnswerPolicy?>(StringComparer.OrdinalIgnoreCase);
        var unbound = new List<ApiAnswerPolicy>();
        foreach (var api in apis)
        {
            any |= api.Responses is not null || api.Cors is not null;
            var policy = new ApiAnswerPolicy(api.Name, api.Responses, api.Cors);
            if (api.Hosts.Count == 0)
            {
                unbound.Add(policy);
            }

            foreach (string host in api.Hosts)
            {
                // A host two APIs share: which one a stray request meant is unknowable.
                byHost[host] = byHost.ContainsKey(host) ? null : policy;
            }
        }

        if (!any)
        {
            return null;
        }

        foreach (string domain in domainNames)
        {
            byHost[domain] = null;
        }

        var hosts = new List<byte[]>();
        var policies = new List<ApiAnswerPolicy?>();
        foreach (var (host, policy) in byHost)
        {
            hosts.Add(Encoding.ASCII.GetBytes(host.ToLowerInvariant()));
            policies.Add(policy);
        }

        return new UnmatchedRequestPolicies([.. hosts], [.. policies], unbound.Count == 1 ? unbound[0] : null);
    }
}
