namespace EdgeGw.Core.Routing;

internal enum RouteSegmentKind : byte
{
    Literal,
    /// <summary><c>{name}</c>: exactly one non-empty segment.</summary>
    Parameter,
    /// <summary><c>{name+}</c>: the rest of the path, one or more segments; only last.</summary>
    Greedy,
}
