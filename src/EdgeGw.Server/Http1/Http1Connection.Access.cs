using System.IO.Pipelines;
using EdgeGw.Core.Model;
using EdgeGw.Core.Throttling;
using EdgeGw.Core.UsagePlans;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Protocols.Http1;
using EdgeGw.Transport;

namespace EdgeGw.Server.Http1;

/// <summary>The access step: API key, token buckets and quota, before any integration or cache work.</summary>
internal sealed partial class Http1Connection
{
    private static readonly byte[] TooManyRequestsBody = """{"message":"Too Many Requests"}"""u8.ToArray();
    private static readonly byte[] LimitExceededBody = """{"message":"Limit Exceeded"}"""u8.ToArray();

    private AccessOutcome CheckAccess(GatewaySnapshot snapshot, RouteModel route, ReadOnlySpan<byte> head, out ThrottleDecision decision)
    {
        var access = snapshot.Access;
        var apiKey = route.Access is { ApiKeyRequired: true } ? HeaderValue(head, access.ApiKeyHeader) : default;
        return access.Check(route, apiKey, _clientAddress, LoopClock.Now(_runtime.Time), _runtime.Time, out decision);
    }

    /// <summary>403 for key problems; 429 with Retry-After and RateLimit-* headers for throttles and quotas.</summary>
    private ValueTask<bool> WriteAccessRefusalAsync(AccessOutcome outcome, in ThrottleDecision decision, bool close)
    {
        if (outcome == AccessOutcome.Forbidden)
        {
            return WriteGatewayResponseAsync(403, close);
        }

        if (close)
        {
            _keepAlive = false;
        }

        var body = outcome == AccessOutcome.QuotaExceeded ? LimitExceededBody : TooManyRequestsBody;
        var writer = new BufferWriter<PipeWriter>(_output);
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

        return EndGatewayResponseAsync(ref writer, body);
    }

    /// <summary>Whole seconds, rounded up and at least 1: "retry now" would only earn another 429.</summary>
    private static long CeilingSeconds(long ticks, long ticksPerSecond) => Math.Max(1, (ticks + ticksPerSecond - 1) / ticksPerSecond);
}
