using EdgeGw.Core.Throttling;

namespace EdgeGw.Core.UsagePlans;

internal sealed record RouteAccessState(RouteAccessModel Model, ThrottleBucket? Stage, ThrottleBucket? Route, ClientBucketTable? ClientIp, PlanAccess?[] Plans);
