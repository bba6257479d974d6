namespace EdgeGw.Core.Throttling;

internal sealed record QuotaLimit(long Limit, DateTimeOffset End);
