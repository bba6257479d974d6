using System.Globalization;
using System.Text.Json;
using EdgeGw.Core.Model;
using EdgeGw.Core.UsagePlans;

namespace EdgeGw.Server.Admin;

/// <summary>
/// A key's quota usage, per usage plan with a quota:
/// <list type="bullet">
/// <item><c>GET /apikeys/{id}/usage</c> — the current window: used, limit, remaining, period (global mode: cluster-wide, from Redis).</item>
/// <item><c>GET /apikeys/{id}/usage?from=2026-11-01&amp;to=2026-12-03</c> — AWS's GetUsage: for each plan,
/// <c>usagePlanId</c>, <c>startDate</c>, <c>endDate</c> and <c>items</c> (<c>{keyId: [[used, remaining], …]}</c>, one
/// pair per quota window from the one holding <c>from</c> to the one holding <c>to</c>, dates inclusive), with the
/// windows' bounds in <c>periods</c>. Past windows come from <see cref="UsageHistory"/> (single instance, kept in
/// the state file) or from Redis's window counters (global mode); both keep 90 days.</item>
/// <item><c>POST /apikeys/{id}/usage/reset</c> — AWS's UpdateUsage: the current window's usage set to 0, or with
/// <c>{"usagePlan": "p", "remaining": n}</c> so that n remain (one plan, or every plan of the key); answers as the GET.</item>
/// </list>
/// </summary>
internal sealed partial class AdminApi
{
    /// <summary>More windows than this in one range is refused (daily windows over the whole retention fit).</summary>
    private const int MaxUsageWindows = 400;

    private sealed record ResetUsageRequest(string? UsagePlan, long? Remaining);

    private static bool IsUsagePath(string[] segments, out string id, out bool reset)
    {
        id = "";
        reset = segments.Length == 4 && segments[3] == "reset";
        if (segments.Length is < 3 or > 4 || segments[0] != "apikeys" || segments[2] != "usage" || (segments.Length == 4 && !reset))
        {
            return false;
        }

        id = Uri.UnescapeDataString(segments[1]);
        return true;
    }

    private async ValueTask<AdminResponse> UsageAsync(AdminRequest request, string id, bool reset)
    {
        if (request.Method != (reset ? "POST" : "GET"))
        {
            return NotAllowed();
        }

        var key = runtime.Access.ListKeys().FirstOrDefault(k => k.Key.Id == id);
        if (key.Key is null)
        {
            return AdminResponse.Error(404, $"no key '{id}'");
        }

        var plans = new List<(UsagePlanModel Plan, long Limit)>();
        foreach (string planName in key.Key.UsagePlans)
        {
            if (runtime.Current.Model.UsagePlans.FirstOrDefault(p => p.Name == planName) is { QuotaLimit: { } limit } plan)
            {
                plans.Add((plan, limit));
            }
        }

        try
        {
            if (reset)
            {
                return await ResetUsageAsync(request, id, plans).ConfigureAwait(false) ?? await CurrentUsageAsync(id, plans).ConfigureAwait(false);
            }

            string? from = QueryValue(request.Query, "from") ?? QueryValue(request.Query, "startDate");
            string? to = QueryValue(request.Query, "to") ?? QueryValue(request.Query, "endDate");
            return from is null && to is null
                ? await CurrentUsageAsync(id, plans).ConfigureAwait(false)
                : await UsageHistoryAsync(id, plans, from, to).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            return AdminResponse.Error(503, $"redis unreachable: {ex.Message}");
        }
    }

    /// <summary>The use of one window: the counter's while it is current here, else the history's (global mode: Redis's, cluster-wide).</summary>
    private async ValueTask<long> UsedAsync(string id, UsagePlanModel plan, DateTimeOffset start)
    {
        if (runtime.Access.Redis is { } redis)
        {
            return await redis.QuotaUsedAsync(AccessControl.SharedQuotaName(id, plan.Name), start).ConfigureAwait(false);
        }

        var counter = runtime.Access.Quota(id, plan);
        return counter.Start == start ? counter.Used : runtime.Access.History.Find(id, plan.Name, start)?.Used ?? 0;
    }

    private async ValueTask<AdminResponse> CurrentUsageAsync(string id, List<(UsagePlanModel Plan, long Limit)> plans)
    {
        var now = runtime.Time.GetUtcNow();
        var usage = new List<object>();
        string scope = runtime.Access.Redis is null ? "instance" : "cluster";
        foreach (var (plan, limit) in plans)
        {
            var (start, end) = plan.QuotaPeriod.WindowOf(now);
            long used = await UsedAsync(id, plan, start).ConfigureAwait(false);
            usage.Add(new { usagePlan = plan.Name, used, limit, remaining = Math.Max(0, limit - used), periodStart = start, periodEnd = end, scope });
        }

        return AdminResponse.Json(200, new { id, usage });
    }

    private async ValueTask<AdminResponse> UsageHistoryAsync(string id, List<(UsagePlanModel Plan, long Limit)> plans, string? fromText, string? toText)
    {
        var now = runtime.Time.GetUtcNow();
        if (!TryParseUsageDate(fromText, endOfDay: false, out var from) || !TryParseUsageDate(toText, endOfDay: true, out var to))
        {
            return AdminResponse.Error(400, "from and to are dates (2026-12-03) or ISO 8601 times; from is required with to");
        }

        if (fromText is null)
        {
            return AdminResponse.Error(400, "from is required with to");
        }

        to = toText is null ? now : to;
        if (to <= from)
        {
            return AdminResponse.Error(400, "to must not be before from");
        }

        var usage = new List<object>();
        foreach (var (plan, limit) in plans)
        {
            var items = new List<long[]>();
            var periods = new List<object>();
            for (var window = plan.QuotaPeriod.WindowOf(from); window.Start < to; window = plan.QuotaPeriod.WindowOf(window.End))
            {
                if (periods.Count == MaxUsageWindows)
                {
                    return AdminResponse.Error(400, $"the range holds more than {MaxUsageWindows} quota windows of plan '{plan.Name}'");
                }

                long used = window.Start > now ? 0 : await UsedAsync(id, plan, window.Start).ConfigureAwait(false);
                long remaining = Math.Max(0, limit - used);
                items.Add([used, remaining]);
                periods.Add(new { start = window.Start, end = window.End, used, remaining });
            }

            usage.Add(new
            {
                usagePlanId = plan.Name,
                startDate = Day(from),
                endDate = Day(to.AddTicks(-1)),
                items = new Dictionary<string, List<long[]>> { [id] = items },
                periods,
            });
        }

        return AdminResponse.Json(200, new { id, startDate = Day(from), endDate = Day(to.AddTicks(-1)), scope = runtime.Access.Redis is null ? "instance" : "cluster", usage });
    }

    private static string Day(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>A date (a whole UTC day: its start, or with <paramref name="endOfDay"/> the next day's start) or an ISO 8601 time; null text parses as default.</summary>
    private static bool TryParseUsageDate(string? text, bool endOfDay, out DateTimeOffset value)
    {
        value = default;
        if (text is null)
        {
            return true;
        }

        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
        {
            value = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            value = endOfDay ? value.AddDays(1) : value;
            return true;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
    }

    /// <summary>Sets the current window's usage of the key's plans (all, or the one named); null when done, else the refusal.</summary>
    private async ValueTask<AdminResponse?> ResetUsageAsync(AdminRequest request, string id, List<(UsagePlanModel Plan, long Limit)> plans)
    {
        ResetUsageRequest? body;
        try
        {
            body = request.Body is { Length: > 0 } ? JsonSerializer.Deserialize<ResetUsageRequest>(request.Body, AdminJson.Options) : null;
        }
        catch (JsonException ex)
        {
            return AdminResponse.Error(400, $"invalid JSON: {ex.Message}");
        }

        if (body?.UsagePlan is { } only && !plans.Exists(p => p.Plan.Name == only))
        {
            return AdminResponse.Error(404, $"key '{id}' has no usage plan '{only}' with a quota");
        }

        if (body?.Remaining is < 0)
        {
            return AdminResponse.Error(400, "remaining must not be negative");
        }

        var now = runtime.Time.GetUtcNow();
        foreach (var (plan, limit) in plans)
        {
            if (body?.UsagePlan is { } name && name != plan.Name)
            {
                continue;
            }

            long used = body?.Remaining is { } remaining ? Math.Max(0, limit - remaining) : 0;
            var counter = runtime.Access.Quota(id, plan);
            if (runtime.Access.Redis is { } redis)
            {
                var (start, end) = plan.QuotaPeriod.WindowOf(now);
                await redis.ResetQuotaAsync(AccessControl.SharedQuotaName(id, plan.Name), start, end, used).ConfigureAwait(false);
                counter.Reset(0, plan.QuotaPeriod, now); // this instance's share, as the admin view counts it
            }
            else
            {
                counter.Reset(used, plan.QuotaPeriod, now);
            }
        }

        runtime.State.Flush();
        return null;
    }
}
