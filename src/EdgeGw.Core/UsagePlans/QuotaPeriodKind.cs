namespace EdgeGw.Core.UsagePlans;

public enum QuotaPeriodKind : byte
{
    Day,
    Week,
    Month,
}
