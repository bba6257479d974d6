using EdgeGw.Core.Throttling;

namespace EdgeGw.Core.Model;

/// <summary>Throttling and API-key settings of one route on one stage.</summary>
public sealed class RouteAccessModel
{
    public required StageRef Stage { get; init; }
    public required string RouteKey { get; init; }
    public required bool ApiKeyRequired { get; init; }
    public required ThrottleSettings? StageThrottle { get; init; }
    public required ThrottleSettings? RouteThrottle { get; init; }
    public required ThrottleSettings? ClientIpThrottle { get; init; }
}
