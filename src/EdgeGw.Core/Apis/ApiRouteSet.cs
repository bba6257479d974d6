using System.Collections.Immutable;
using EdgeGw.Core.Model;
using EdgeGw.Core.Routing;

namespace EdgeGw.Core.Apis;

/// <summary>What the API section compiles: the route table, every deployed stage, and every route in ordinal order.</summary>
internal sealed record ApiRouteSet(RouteTable<RouteModel> Table, ImmutableArray<StageRef> Stages, ImmutableArray<RouteModel> Routes, GatewayResponses.UnmatchedRequestPolicies? Unmatched = null)
{
    /// <summary>The canary deployments' routes of the stages that have a canary; null when none has.</summary>
    public RouteTable<RouteModel>? CanaryTable { get; init; }
}
