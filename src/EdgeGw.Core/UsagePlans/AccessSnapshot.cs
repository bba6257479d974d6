using System.Collections.Immutable;
using EdgeGw.Core.Model;
using EdgeGw.Core.Throttling;

namespace EdgeGw.Core.UsagePlans;

/// <summary>The access state bound to one model: what the request path reads.</summary>
public sealed class AccessSnapshot
{
    internal AccessSnapshot(GatewayModel model, ThrottleBucket? gateway, RouteAccessState?[] routes, KeyIndex keys, byte[] apiKeyHeader, ImmutableArray<UsagePlanModel> plans)
    {
        Model = model;
        Gateway = gateway;
        Routes = routes;
        Keys = keys;
        ApiKeyHeader = apiKeyHeader;
        Plans = plans;
    }

    /// <summary>The model whose route ordinals <see cref="Routes"/> follows.</summary>
    public GatewayModel Model { get; }
    public ThrottleBucket? Gateway { get; }
    internal RouteAccessState?[] Routes { get; }
    internal KeyIndex Keys { get; }
    public byte[] ApiKeyHeader { get; }
    public ImmutableArray<UsagePlanModel> Plans { get; }

    /// <summary>
    /// Runs the route's checks, cheapest first: the key (403), then every bucket — gateway, stage, route,
    /// client IP, the key's plan — and last the quota, so a throttled request does not use quota.
    /// Allocates nothing on the steady state. <paramref name="decision"/> carries the tightest bucket's figures.
    /// </summary>
    public AccessOutcome Check(RouteModel route, ReadOnlySpan<byte> apiKey, ReadOnlySpan<byte> clientAddress, long now, TimeProvider time, out ThrottleDecision decision) =>
        Check(route, apiKey, clientAddress, now, time, out decision, out _);

    /// <inheritdoc cref="Check(RouteModel, ReadOnlySpan{byte}, ReadOnlySpan{byte}, long, TimeProvider, out ThrottleDecision)"/>
    /// <param name="keyId">The id (UTF-8) of the API key the request presented, once it was found; null otherwise (for the access log's <c>$context.identity.apiKeyId</c>).</param>
    public AccessOutcome Check(RouteModel route, ReadOnlySpan<byte> apiKey, ReadOnlySpan<byte> clientAddress, long now, TimeProvider time, out ThrottleDecision decision, out byte[]? keyId)
    {
        decision = default;
        keyId = null;
        var state = route.Access is null ? null : Routes[route.Ordinal];
        ApiKeyState? key = null;
        PlanAccess? plan = null;
        int planSlot = -1;
        if (state is not null && state.Model.ApiKeyRequired)
        {
            key = apiKey.IsEmpty ? null : Keys.Find(apiKey);
            if (key is null || !key.Enabled)
            {
                return AccessOutcome.Forbidden;
            }

            for (int i = 0; i < key.PlanIndexes.Length && plan is null; i++)
            {
                plan = state.Plans[key.PlanIndexes[i]];
                planSlot = i;
            }

            keyId = key.IdBytes;
            if (plan is null)
            {
                return AccessOutcome.Forbidden;
            }

            // Global mode: an empty quota lease Redis may still refill is waited for before any bucket is spent.
            if (key.Quotas[planSlot] is { } ahead && ahead.MustWait(now) is { } wait)
            {
                decision.Pending = wait;
                return AccessOutcome.Pending;
            }
        }

        // AWS's order: the client's own limits first (its plan's bucket, its IP's), then the route's and stage's,
        // then the gateway's, so a request one client's limit refuses spends nothing of what others share. The
        // quota is counted last, only for a request every bucket admitted.
        ThrottleDecision step;
        if (state is not null)
        {
            if (plan?.Bucket is { } byKey)
            {
                bool allowed = byKey.TryTake(key!.IdBytes, now, out step);
                decision.Merge(step);
                if (!allowed)
                {
                    return Refused(step, ref decision);
                }
            }

            if (state.ClientIp is { } byIp)
            {
                bool allowed = byIp.TryTake(clientAddress, now, out step);
                decision.Merge(step);
                if (!allowed)
                {
                    return Refused(step, ref decision);
                }
            }

            if (state.Route is { } routeBucket && !Take(routeBucket, now, ref decision, out var byRoute))
            {
                return byRoute;
            }

            if (state.Stage is { } stage && !Take(stage, now, ref decision, out var byStage))
            {
                return byStage;
            }
        }

        if (Gateway is not null && !Take(Gateway, now, ref decision, out var byGateway))
        {
            return byGateway;
        }

        if (plan is not null && key!.Quotas[planSlot] is { } quota)
        {
            var utcNow = time.GetUtcNow();
            if (!quota.TryConsume(plan.Plan.QuotaLimit!.Value, plan.Plan.QuotaPeriod, utcNow, out _, out var resetsAt, out var pending))
            {
                if (pending is not null)
                {
                    decision = new ThrottleDecision { Pending = pending };
                    return AccessOutcome.Pending;
                }

                // The refusal's Retry-After is the time to the next quota period, not any bucket's refill.
                decision = new ThrottleDecision
                {
                    Limit = (int)Math.Min(int.MaxValue, plan.Plan.QuotaLimit.Value),
                    RetryAfterTicks = Math.Max(0, (resetsAt - utcNow).Ticks),
                    ResetTicks = Math.Max(0, (resetsAt - utcNow).Ticks),
                    TicksPerSecond = TimeSpan.TicksPerSecond,
                };
                return AccessOutcome.QuotaExceeded;
            }
        }

        return AccessOutcome.Allowed;
    }

    private static bool Take(ThrottleBucket bucket, long now, ref ThrottleDecision decision, out AccessOutcome refused)
    {
        bool allowed = bucket.TryTake(now, out var step);
        decision.Merge(step);
        refused = allowed ? AccessOutcome.Allowed : Refused(step, ref decision);
        return allowed;
    }

    /// <summary>Throttled, or (global mode) pending when the refusing lease is waiting for Redis.</summary>
    private static AccessOutcome Refused(in ThrottleDecision step, ref ThrottleDecision decision)
    {
        if (step.Pending is null)
        {
            return AccessOutcome.Throttled;
        }

        decision = step;
        return AccessOutcome.Pending;
    }
}
