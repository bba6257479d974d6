using EdgeGw.Core.Throttling;

namespace EdgeGw.Core.Model;

/// <summary>Throttling and API-key settings of one route on one stage.</summary>
public sealed class RouteAccessModel
{
    public required StageRef Stage { get; init; }
    public required string RouteKey { get; init; }
    public required bool ApiKeyRequired { get; init; }
    /// <summary>
    /// The API's <c>apiKeySource</c> is AUTHORIZER (AWS): the key is the request authorizer's <c>usageIdentifierKey</c>,
    /// and the API key header is not read; otherwise (HEADER) the header's, and the authorizer's is not used.
    /// </summary>
    public bool ApiKeyFromAuthorizer { get; init; }
    public required ThrottleSettings? StageThrottle { get; init; }
    public required ThrottleSettings? RouteThrottle { get; init; }
    public required ThrottleSettings? ClientIpThrottle { get; init; }
}
