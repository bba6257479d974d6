using EdgeGw.Core.Deployments;
using EdgeGw.Core.Model;
using EdgeGw.Core.Routing;
using EdgeGw.Server.Http1;

namespace EdgeGw.Server.Deployments;

/// <summary>
/// Step 3b, on a stage with a canary: whether this request goes to the canary deployment. Sticky by a header's or a
/// cookie's value when the canary says so (a client without it draws at random); otherwise a draw from the
/// connection's own random stream. Created once per connection, on the first request to a canary stage.
/// </summary>
internal sealed class CanaryStep(ClientRequest request)
{
    private CanaryRandom _random = CanaryRandom.Create();

    /// <summary>
    /// After the stage's routes were matched (<paramref name="matched"/>) on a model with canary routes: a canary
    /// route's share is routed again among the canary deployment's routes, and a path only the canary deployment has
    /// is reached by that share (the rest keep the stage's miss). The step is made on the first canary decision of
    /// the connection, so a route without a canary costs one null check.
    /// </summary>
    public static bool Route(ref CanaryStep? step, ClientRequest request, RouteTable<RouteModel> canaryRoutes, ReadOnlySpan<byte> path, bool matched,
        ref RouteMatch match, Diagnostics.ExecutionLog? log)
    {
        var authority = request.Head.Authority(request.Span);
        if (matched)
        {
            if (match.Route!.Canary is not { } canary || !(step ??= new CanaryStep(request)).Chooses(canary))
            {
                return true;
            }

            log?.Write($"Canary: served by the canary (deployment {canary.Deployment}, {canary.PercentTraffic}% of requests)");
            return canaryRoutes.TryMatch(authority, request.Head.Method, path, ref match);
        }

        if (!canaryRoutes.TryMatch(authority, request.Head.Method, path, ref match) || match.Route!.Canary is not { } only)
        {
            return false;
        }

        bool chosen = (step ??= new CanaryStep(request)).Chooses(only);
        log?.Write(chosen
            ? $"Canary: served by the canary (deployment {only.Deployment}, {only.PercentTraffic}% of requests; the stage's deployment has no such route)"
            : "Canary: only the canary's deployment has this route, and this request is not the canary's");
        return chosen;
    }

    public bool Chooses(CanaryPolicy policy)
    {
        if (policy.StickyHeader is { } header)
        {
            var value = request.HeaderValue(header);
            if (!value.IsEmpty)
            {
                return policy.ChoosesKey(value);
            }
        }
        else if (policy.StickyCookie is { } cookie)
        {
            var value = CanaryPolicy.CookieValue(request.HeaderValue("cookie"u8), cookie);
            if (!value.IsEmpty)
            {
                return policy.ChoosesKey(value);
            }
        }

        return policy.Chooses(_random.Next());
    }
}
