namespace EdgeGw.Core.Routing;

/// <summary>Result of a route lookup. Filled in place (passed by <c>ref</c>) so that a lookup allocates nothing.</summary>
public struct RouteMatch<TRoute>
    where TRoute : class
{
    public TRoute? Route;
    /// <summary>Bytes of the path consumed by the stage segment (e.g. 5 for <c>/prod</c>); 0 for <c>$default</c>.</summary>
    public int StagePrefixLength;
    public int CaptureCount;
    public PathCaptureBuffer Captures;
}
