using EdgeGw.Core.Model;
using EdgeGw.Core.Throttling;

namespace EdgeGw.Core.UsagePlans;

/// <summary>A usage plan bound to a route: the plan and its per-key bucket for that route, if any.</summary>
internal sealed record PlanAccess(UsagePlanModel Plan, ClientBucketTable? Bucket);
