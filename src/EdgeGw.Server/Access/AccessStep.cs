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
    private static readonly byte[] TooManyRequestsBody = """{"message":"Too Many Requests"}"""u8.ToArray();
    private static readonly byte[] LimitExceededBody = """{"message":"Limit Exceeded"}"""u8.ToArray();
    private static readonly byte[] TooManyRequestsMessage = "Too Many Requests"u8.ToArray();
    private static readonly byte[] LimitExceededMessage = "Limit Exceeded"u8.ToArray();

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
        var apiKey = route.Access is { ApiKeyRequired: true } ? _request.HeaderValue(access.ApiKeyHeader) : default;
        var outcome = access.Check(route, apiKey, _request.ClientAddress, LoopClock.Now(time), time, out decision, out var keyId);
        ref var record = ref _request.Record;
        record.AccessChecked = true;
        record.Access = outcome;
        record.ApiKeyId = keyId;
        return outcome;
    }

    /// <summary>403 for key problems; 429 with Retry-After and RateLimit-* headers for throttles and quotas.</summary>
    public ValueTask<bool> RefuseAsync(AccessOutcome outcome, in ThrottleDecision decision, bool close)
    {
        if (outcome == AccessOutcome.Forbidden)
        {
            return _responder.GatewayResponseAsync(403, GatewayErrorType.InvalidApiKey, close, default);
        }

        if (close)
        {
            _responder.KeepAlive = false;
        }

        var body = outcome == AccessOutcome.QuotaExceeded ? LimitExceededBody : TooManyRequestsBody;
        _request.Record.GatewayAnswer(
            429,
            outcome == AccessOutcome.QuotaExceeded ? GatewayErrorType.QuotaExceeded : GatewayErrorType.Throttled,
            outcome == AccessOutcome.QuotaExceeded ? LimitExceededMessage : TooManyRequestsMessage,
            _request.IsHead ? 0 : body.Length);
        var writer = new BufferWriter<PipeWriter>(_responder.Output);
        writer.Write("HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nContent-Length: "u8);
        writer.WriteNumber(body.Length);
        writer.Write("\r\n"u8);
        if (outcome == AccessOutcome.Throttled && decision.TicksPerSecond > 0)
        {
            writer.Write("Retry-After: "u8);
            writer.WriteNumber(CeilingSeconds(decision.RetryAfterTicks, decision.TicksPerSecond));
            writer.Write("\r\nRateLimit-Limit: "u8);
            writer.WriteNumber(decision.Limit);
            writer.Write("\r\nRateLimit-Remaining: 0\r\nRateLimit-Reset: "u8);
            writer.WriteNumber(CeilingSeconds(decision.ResetTicks, decision.TicksPerSecond));
            writer.Write("\r\n"u8);
        }
        else if (outcome == AccessOutcome.QuotaExceeded && decision.TicksPerSecond > 0)
        {
            // Seconds to the start of the next quota period.
            writer.Write("Retry-After: "u8);
            writer.WriteNumber(CeilingSeconds(decision.RetryAfterTicks, decision.TicksPerSecond));
            writer.Write("\r\n"u8);
        }

        return _responder.EndGatewayResponseAsync(ref writer, body);
    }

    /// <summary>Whole seconds, rounded up and at least 1: "retry now" would only earn another 429.</summary>
    private static long CeilingSeconds(long ticks, long ticksPerSecond) => Math.Max(1, (ticks + ticksPerSecond - 1) / ticksPerSecond);
}
