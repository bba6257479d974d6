namespace EdgeGw.Core.Routing;

/// <summary>Result of a route lookup. Filled in place (passed by <c>ref</c>) so that a lookup allocates nothing.</summary>
public struct RouteMatch<TRoute>
    where TRoute : class
{
    public TRoute? Route;
    /// <summary>
    /// Bytes of the path consumed by the stage segment (e.g. 5 for <c>/prod</c>) or by a custom domain's base
    /// path (10 for <c>/v2/orders</c>); 0 for <c>$default</c> and the <c>(none)</c> mapping.
    /// </summary>
    public int StagePrefixLength;
    public int CaptureCount;
    public PathCaptureBuffer Captures;
    /// <summary>The custom domain's API mapping the request went by; null when no domain claimed its Host.</summary>
    public ApiMapping? Mapping;
}
