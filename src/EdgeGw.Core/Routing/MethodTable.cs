using EdgeGw.Core.Model;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Core.Routing;

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
