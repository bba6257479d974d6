namespace EdgeGw.Core.Model;

public enum QuotaPeriodKind : byte
{
    Day,
    Week,
    Month,
}
