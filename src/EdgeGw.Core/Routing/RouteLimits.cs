namespace EdgeGw.Core.Routing;

/// <summary>The maximum number of path captures a route may have.</summary>
public static class RouteLimits
{
    public const int MaxCaptures = 16;
}
