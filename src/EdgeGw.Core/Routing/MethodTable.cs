using EdgeGw.Protocols.Http1;

namespace EdgeGw.Core.Routing;

/// <summary>
/// Routes ending at one node, by method; <c>ANY</c> answers methods without their own route. HEAD falls back to
/// the GET route before ANY: HEAD is GET without the body (RFC 9110 §9.3.2), and the gateway drops the body.
/// </summary>
internal sealed class MethodTable<TRoute>
    where TRoute : class
{
    private readonly TRoute?[] _byMethod = new TRoute?[(int)HttpMethod.Connect + 1];
    private TRoute? _any;

    public TRoute? Find(HttpMethod method) =>
        _byMethod[(int)method] ?? (method == HttpMethod.Head ? _byMethod[(int)HttpMethod.Get] : null) ?? _any;

    /// <param name="key">The route key as configured, to name the route in the conflict message.</param>
    public void Add(HttpMethod? method, TRoute route, string key)
    {
        ref var slot = ref method is { } m ? ref _byMethod[(int)m] : ref _any;
        if (slot is not null)
        {
            throw new InvalidOperationException($"Route '{key}' conflicts with an earlier route of the same shape (validation should have caught this).");
        }

        slot = route;
    }
}
