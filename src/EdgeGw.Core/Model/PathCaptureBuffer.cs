using System.Runtime.CompilerServices;

namespace EdgeGw.Core.Model;

[InlineArray(RouteLimits.MaxCaptures)]
public struct PathCaptureBuffer
{
    private PathCapture _element0;
}
