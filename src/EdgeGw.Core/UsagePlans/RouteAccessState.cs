using EdgeGw.Core.Model;
using EdgeGw.Core.Throttling;

namespace EdgeGw.Core.UsagePlans;

/// <summary>The buckets and plans bound to one route of one model.</summary>
internal sealed record RouteAccessState(RouteAccessModel Model, ThrottleBucket? Stage, ThrottleBucket? Route, ClientBucketTable? ClientIp, PlanAccess?[] Plans);
