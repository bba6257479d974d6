using System.IO.Pipelines;
using EdgeGw.Core.Model;
using EdgeGw.Core.Observability;
using EdgeGw.Core.Throttling;
using EdgeGw.Core.UsagePlans;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Server.Http1;
using EdgeGw.Transport;

namespace EdgeGw.Server.Access;

/// <summary>
/// The access step: API key, token buckets (gateway, stage, route, per client) and quota, before any
/// integration or cache work. Refusals are 403 for key problems, 429 with Retry-After and RateLimit-*
/// headers for throttles, and 429 with Retry-After (the next quota period's start) for quotas. One per client connection.
/// </summary>
internal sealed class AccessStep
{
    private readonly ClientConnection _connection;
    private readonly ClientRequest _request;
    private readonly ClientResponder _responder;

    public AccessStep(ClientConnection connection, ClientRequest request, ClientResponder responder)
    {
        _connection = connection;
        _request = request;
        _responder = responder;
    }

    /// <summary>Whether the step has anything to check for this route (a route and gateway without limits pay nothing).</summary>
    public static bool Applies(GatewaySnapshot snapshot, RouteModel route) => route.Access is not null || snapshot.Access.Gateway is not null;

    public AccessOutcome Check(GatewaySnapshot snapshot, RouteModel route, out ThrottleDecision decision)
    {
        var access = snapshot.Access;
        var time = _connection.Runtime.Time;
        ReadOnlySpan<byte> apiKey = default;
        if (route.Access is { ApiKeyRequired: true } routeAccess)
        {
            // AWS apiKeySource: HEADER reads the key header only; AUTHORIZER the request authorizer's usageIdentifierKey only.
            apiKey = !routeAccess.ApiKeyFromAuthorizer ? _request.HeaderValue(access.ApiKeyHeader)
                : _request.Record.Identity is EdgeGw.Core.Authorizers.RequestAuthorizerResult authorized ? authorized.UsageIdentifierKey : default;
        }

        var outcome = access.Check(route, apiKey, _request.ClientAddress, LoopClock.Now(time), time, out decision, out var keyId);
        ref var record = ref _request.Record;
        record.AccessChecked = true;
        record.Access = outcome;
        record.ApiKeyId = keyId;
        return outcome;
    }

    /// <summary>
    /// Global mode, off the hot path: <see cref="Check"/> said <see cref="AccessOutcome.Pending"/> (a shared lease
    /// is waiting for Redis). Awaits the lease's refill — bounded by <see cref="RedisLimits.LeaseWait"/>, no thread
    /// blocked — and checks again; past the bound the fail mode answers.
    /// </summary>
    private const int MaxLeaseWaits = 1000;

    public async ValueTask<(AccessOutcome Outcome, ThrottleDecision Decision)> AwaitLeaseAsync(GatewaySnapshot snapshot, RouteModel route, ThrottleDecision decision)
    {
        var time = _connection.Runtime.Time;
        var redis = _connection.Runtime.Access.Redis;
        var wait = redis?.LeaseWait ?? TimeSpan.Zero;
        long started = time.GetTimestamp();
        long deadline = started + (long)(wait.TotalSeconds * time.TimestampFrequency);
        var outcome = AccessOutcome.Pending;
        for (int attempt = 0; outcome == AccessOutcome.Pending; attempt++)
        {
            var lease = decision.Pending!;
            long left = deadline - time.GetTimestamp();
            // Until the deadline: a refill that answered with units other requests took first is no reason to
            // give up while Redis answers (small quota shares under concurrency); the cap only guards a loop.
            if (left <= 0 || attempt == MaxLeaseWaits)
            {
                decision = lease.TimedOutDecision();
                outcome = decision.Allowed ? AccessOutcome.Allowed : AccessOutcome.Throttled;
                _request.Record.Access = outcome;
                break;
            }

            await lease.WaitAsync(TimeSpan.FromSeconds((double)left / time.TimestampFrequency)).ConfigureAwait(false);
            outcome = Check(snapshot, route, out decision);
        }

        // Counted (edgegw_redis_lease_waits_total): the requests global mode made wait on Redis, and for how long.
        redis?.OnLeaseWait(time.GetTimestamp() - started);
        return (outcome, decision);
    }

    /// <summary>403 for key problems; 429 with Retry-After and RateLimit-* headers for throttles and quotas.</summary>
    public ValueTask<bool> RefuseAsync(AccessOutcome outcome, in ThrottleDecision decision, bool close)
    {
        if (outcome == AccessOutcome.Forbidden)
        {
            return _responder.GatewayResponseAsync(403, GatewayErrorType.InvalidApiKey, close, default);
        }

        // Retry-After and RateLimit-* as header lines after the response's own: a configured THROTTLED or
        // QUOTA_EXCEEDED gateway response replaces status, body and headers, and keeps these.
        Span<byte> extra = stackalloc byte[192];
        var lines = new HeaderLines(extra);
        if (outcome == AccessOutcome.Throttled && decision.TicksPerSecond > 0)
        {
            lines.Number("Retry-After: "u8, CeilingSeconds(decision.RetryAfterTicks, decision.TicksPerSecond));
            lines.Number("RateLimit-Limit: "u8, decision.Limit);
            lines.Number("RateLimit-Remaining: "u8, 0);
            lines.Number("RateLimit-Reset: "u8, CeilingSeconds(decision.ResetTicks, decision.TicksPerSecond));
        }
        else if (outcome == AccessOutcome.QuotaExceeded && decision.TicksPerSecond > 0)
        {
            // Seconds to the start of the next quota period.
            lines.Number("Retry-After: "u8, CeilingSeconds(decision.RetryAfterTicks, decision.TicksPerSecond));
        }

        var type = outcome == AccessOutcome.QuotaExceeded ? GatewayErrorType.QuotaExceeded : GatewayErrorType.Throttled;
        return _responder.GatewayResponseAsync(429, type, close, extra[..lines.Length]);
    }

    /// <summary>Whole seconds, rounded up and at least 1: "retry now" would only earn another 429.</summary>
    private static long CeilingSeconds(long ticks, long ticksPerSecond) => Math.Max(1, (ticks + ticksPerSecond - 1) / ticksPerSecond);

    /// <summary>Header lines (<c>Name: number CRLF</c>) into a stack buffer.</summary>
    private ref struct HeaderLines(Span<byte> destination)
    {
        private readonly Span<byte> _destination = destination;
        public int Length;

        public void Number(ReadOnlySpan<byte> prefix, long value)
        {
            prefix.CopyTo(_destination[Length..]);
            Length += prefix.Length;
            System.Buffers.Text.Utf8Formatter.TryFormat(value, _destination[Length..], out int written);
            Length += written;
            "\r\n"u8.CopyTo(_destination[Length..]);
            Length += 2;
        }
    }
}
