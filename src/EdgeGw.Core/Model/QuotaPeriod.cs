namespace EdgeGw.Core.Model;

/// <summary>
/// Quota windows in UTC. The offset moves the start: DAY — hours after midnight (0-23); WEEK — days after
/// Sunday (0 = Sunday, 1 = Monday, …); MONTH — days after the 1st (0-27, so every month has the start day).
/// </summary>
public readonly record struct QuotaPeriod(QuotaPeriodKind Kind, int Offset)
{
    /// <summary>The window containing <paramref name="now"/>: [start, end).</summary>
    public (DateTimeOffset Start, DateTimeOffset End) WindowOf(DateTimeOffset now)
    {
        now = now.ToUniversalTime();
        switch (Kind)
        {
            case QuotaPeriodKind.Day:
            {
                var start = new DateTimeOffset(now.Year, now.Month, now.Day, 0, 0, 0, TimeSpan.Zero).AddHours(Offset);
                if (start > now)
                {
                    start = start.AddDays(-1);
                }

                return (start, start.AddDays(1));
            }

            case QuotaPeriodKind.Week:
            {
                var midnight = new DateTimeOffset(now.Year, now.Month, now.Day, 0, 0, 0, TimeSpan.Zero);
                int daysSinceStart = ((int)now.DayOfWeek - Offset + 7) % 7;
                var start = midnight.AddDays(-daysSinceStart);
                return (start, start.AddDays(7));
            }

            default:
            {
                var start = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero).AddDays(Offset);
                if (start > now)
                {
                    start = start.AddMonths(-1);
                }

                // Offset ≤ 27 keeps AddMonths on the same day of month.
                return (start, start.AddMonths(1));
            }
        }
    }

    public static bool TryParse(string period, int offset, out QuotaPeriod result)
    {
        result = default;
        QuotaPeriodKind kind;
        switch (period)
        {
            case "DAY":
                kind = QuotaPeriodKind.Day;
                break;
            case "WEEK":
                kind = QuotaPeriodKind.Week;
                break;
            case "MONTH":
                kind = QuotaPeriodKind.Month;
                break;
            default:
                return false;
        }

        result = new QuotaPeriod(kind, offset);
        return true;
    }
}
