using EdgeGw.Core.Deployments;
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
