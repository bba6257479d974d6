using EdgeGw.Core.AccessLogging;
using EdgeGw.Core.Model;
using EdgeGw.Core.UsagePlans;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Core.Observability;

/// <summary>
/// The outcome of one request, as the access log (and later metrics and traces) read it: filled field by field
/// by the steps while the request runs (plain stores into this struct, which lives in the connection's request
/// object: nothing is allocated), and read by the connection loop after the response, when it formats the
/// access log line. Text the client sent (method, path, User-Agent, Host) is copied into <see cref="Text"/>
/// when the head is parsed, because the head's bytes go back to the pipe before the response ends.
/// </summary>
/// <remarks>
/// Times are <see cref="TimeProvider.GetTimestamp"/> readings (0: never reached) but for
/// <see cref="RequestTimeUnixMs"/>, the wall-clock time the head was complete. Missing values (no route, no
/// integration, no error) are their defaults; the access log writes them as <c>-</c>, as AWS does.
/// </remarks>
public struct RequestRecord
{
    /// <summary>Bytes of <see cref="Text"/> a request needs at most (each field truncated to its own cap).</summary>
    public const int TextCapacity = 2048;
    public const int MaxMethodBytes = 32;
    public const int MaxPathBytes = 1024;
    public const int MaxUserAgentBytes = 512;
    public const int MaxHostBytes = 256;
    public const int MaxIdBytes = 64;

    /// <summary>The head was complete: this request is recorded.</summary>
    public bool Started;
    public long StartTimestamp;
    /// <summary>Ticks per second of the timestamps (<see cref="TimeProvider.TimestampFrequency"/>).</summary>
    public long TimestampFrequency;
    public long RequestTimeUnixMs;
    /// <summary>When the integration began (lease of an upstream connection, or the mock's answer).</summary>
    public long IntegrationStartTimestamp;
    /// <summary>When the integration's response was received whole (or it failed).</summary>
    public long IntegrationEndTimestamp;
    /// <summary>When the response was written and flushed (or handed to the pipelined flush batch).</summary>
    public long EndTimestamp;

    /// <summary>The status sent to the client; 0 when none was (the client went away first).</summary>
    public int Status;
    /// <summary>Body bytes sent to the client; -1 unknown.</summary>
    public long ResponseLength;
    /// <summary>The route matched (route key, API, stage); null before routing or when none matched.</summary>
    public RouteModel? Route;
    /// <summary>The custom domain's API mapping the request came through; null off a custom domain.</summary>
    public Routing.ApiMapping? Mapping;
    public HttpMethod Method;
    public HttpVersion Version;
    /// <summary>The access log this request goes to: its stage's, or the gateway's default; null: none.</summary>
    public AccessLogSettings? AccessLog;

    /// <summary>The upstream's status; 0 when no upstream answered.</summary>
    public int IntegrationStatus;
    /// <summary>Why the integration failed (UTF-8), for <c>$context.integrationErrorMessage</c>; null when it did not.</summary>
    public byte[]? IntegrationErrorMessage;
    /// <summary>The kind of the gateway's own answer (<c>$context.error.responseType</c>); None for a response of the integration.</summary>
    public GatewayErrorType ErrorType;
    /// <summary>The message of the gateway's own answer (UTF-8, as in its JSON body); null for none.</summary>
    public byte[]? ErrorMessage;
    public CacheResult Cache;
    /// <summary>The access step's decision (key, throttles, quota); meaningful when <see cref="AccessChecked"/>.</summary>
    public AccessOutcome Access;
    public bool AccessChecked;
    /// <summary>The id of the API key presented (UTF-8); null when none was found.</summary>
    public byte[]? ApiKeyId;

    /// <summary>The caller as an authorizer identified it (JWT claims, request authorizer context, IAM principal); null: none ran or it refused.</summary>
    public CallerIdentity? Identity;
    /// <summary>Why the authorizer refused or failed (UTF-8, <c>$context.authorizer.error</c>); null when it did not.</summary>
    public byte[]? AuthorizerError;
    /// <summary>When the authorizer's wait (JWKS fetch, request authorizer call) began and ended; 0 when it decided from a cache.</summary>
    public long AuthorizerStartTimestamp;
    public long AuthorizerEndTimestamp;
    /// <summary>The request authorizer's HTTP status; 0 when none answered.</summary>
    public int AuthorizerStatus;

    /// <summary>The connection's verified client certificate (mutual TLS), for <c>$context.identity.clientCert.*</c>; null without one.</summary>
    public Tls.ClientCertificateIdentity? ClientCertificate;
    /// <summary>The route's authorizer's decision, for metrics (the authorizer step sets it); None: no authorizer ran.</summary>
    public AuthorizerOutcome Authorizer;
    /// <summary>How long the authorizer took, in timestamp ticks (a cached decision: 0).</summary>
    public long AuthorizerTicks;

    /// <summary>The request's trace context (<c>tracing</c>); <see cref="Tracing.TraceRecord.Active"/> false when tracing is off.</summary>
    public Tracing.TraceRecord Trace;

    /// <summary>Copies of the request's text (see <see cref="TextCapacity"/>); pooled by the connection.</summary>
    public byte[]? Text;
    private int _textLength;
    public TextRange RequestId;
    public TextRange SourceIp;
    public TextRange MethodToken;
    public TextRange Path;
    public TextRange UserAgent;
    public TextRange Host;

    /// <summary>Starts the record of a request whose head is complete; <paramref name="text"/> is its text buffer (≥ <see cref="TextCapacity"/>).</summary>
    public void Begin(long timestamp, long frequency, long unixMs, byte[]? text)
    {
        this = default;
        Started = true;
        StartTimestamp = timestamp;
        TimestampFrequency = frequency;
        RequestTimeUnixMs = unixMs;
        ResponseLength = -1;
        Text = text;
    }

    /// <summary>Copies <paramref name="value"/> (truncated to <paramref name="max"/> bytes) into <see cref="Text"/>; empty without a buffer.</summary>
    public TextRange Copy(ReadOnlySpan<byte> value, int max)
    {
        if (Text is null)
        {
            return default;
        }

        int length = Math.Min(Math.Min(value.Length, max), Text.Length - _textLength);
        value[..length].CopyTo(Text.AsSpan(_textLength));
        var range = new TextRange(_textLength, length);
        _textLength += length;
        return range;
    }

    /// <summary>The bytes of <paramref name="range"/> in <see cref="Text"/>.</summary>
    public readonly ReadOnlySpan<byte> Get(TextRange range) => Text is null ? default : Text.AsSpan(range.Offset, range.Length);

    /// <summary>Marks one of the gateway's own answers.</summary>
    public void GatewayAnswer(int status, GatewayErrorType type, byte[] message, long length)
    {
        Status = status;
        ErrorType = type;
        ErrorMessage = message;
        ResponseLength = length;
    }

    /// <summary>Milliseconds between two timestamps; -1 when either is missing.</summary>
    public readonly long Milliseconds(long from, long to) =>
        from == 0 || to == 0 || to < from || TimestampFrequency == 0 ? -1 : (to - from) * 1000 / TimestampFrequency;
}

/// <summary>Where a value sits in <see cref="RequestRecord.Text"/>.</summary>
public readonly record struct TextRange(int Offset, int Length);
