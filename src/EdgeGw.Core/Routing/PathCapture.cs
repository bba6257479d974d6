namespace EdgeGw.Core.Routing;

/// <summary>Offsets of one path capture within the path span passed to the route table.</summary>
public readonly record struct PathCapture(int Start, int Length);
