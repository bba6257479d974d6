namespace EdgeGw.Core.Routing;

/// <summary>A literal segment's text, or a parameter's name.</summary>
internal readonly record struct RouteSegment(RouteSegmentKind Kind, string Text);
