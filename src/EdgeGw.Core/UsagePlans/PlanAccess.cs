using EdgeGw.Core.Throttling;

namespace EdgeGw.Core.UsagePlans;

internal sealed record PlanAccess(UsagePlanModel Plan, ClientBucketTable? Bucket);
