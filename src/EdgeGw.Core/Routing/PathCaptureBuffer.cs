using System.Runtime.CompilerServices;

namespace EdgeGw.Core.Routing;

/// <summary>Room for every capture of one match, inline in <see cref="RouteMatch{TRoute}"/>.</summary>
[InlineArray(RouteLimits.MaxCaptures)]
public struct PathCaptureBuffer
{
    private PathCapture _element0;
}
