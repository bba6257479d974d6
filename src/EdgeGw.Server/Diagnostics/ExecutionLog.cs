using System.Globalization;
using System.Text;
using EdgeGw.Core.Model;
using EdgeGw.Core.Throttling;
using EdgeGw.Core.UsagePlans;
using EdgeGw.Protocols.Http1;
using EdgeGw.Core.Routing;
using EdgeGw.Core.Upstream;
using EdgeGw.Server.Forwarding;
using EdgeGw.Server.Http1;
using System.IO.Pipelines;

namespace EdgeGw.Server.Diagnostics;

/// <summary>
/// The execution log of <c>edgegw test-invoke</c>, as AWS's console test prints it: one timestamped line per
/// step of the request (route matched, parameters, stage variables, access decisions, cache, the integration
/// request as sent, the integration's status and latency, the gateway's own answers). Only a host started with
/// <see cref="Hosting.GatewayHostOptions.ExecutionLog"/> has one; every step checks
/// <see cref="Http1.ClientConnection.ExecutionLog"/> for null and formats nothing otherwise, so serving pays
/// one null check per step.
/// </summary>
public sealed class ExecutionLog
{
    /// <summary>Longest body shown in a line; the rest is counted, as AWS truncates its log.</summary>
    public const int MaxBodyChars = 1024;

    private readonly Lock _gate = new();
    private readonly List<string> _lines = [];
    private readonly TimeProvider _time;

    public ExecutionLog(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    private long _startedAt;

    /// <summary>Signalled by the gateway when the request's last step has run (its response is written).</summary>
    public TaskCompletionSource Completed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>From the parsed head to the end of the request's last step, as the gateway measured it.</summary>
    public TimeSpan Latency { get; private set; }

    /// <summary>The request's steps are done (called by the connection once per request).</summary>
    internal void Complete()
    {
        if (_startedAt != 0 && !Completed.Task.IsCompleted)
        {
            Latency = System.Diagnostics.Stopwatch.GetElapsedTime(_startedAt);
        }

        Completed.TrySetResult();
    }

    public void Write(string line)
    {
        // AWS's console format: "Tue Dec 02 01:02:03 UTC 2026 : Starting execution for request: …".
        string stamp = _time.GetUtcNow().ToString("ddd MMM dd HH:mm:ss 'UTC' yyyy", CultureInfo.InvariantCulture);
        lock (_gate)
        {
            _lines.Add($"{stamp} : {line}");
        }
    }

    /// <summary>Headers as AWS prints them: <c>{name=value, name=value}</c>, bytes shown as Latin-1 (nothing decoded away).</summary>
    public static string Headers(ReadOnlySpan<byte> head, ReadOnlySpan<HeaderEntry> headers)
    {
        var text = new StringBuilder("{");
        for (int i = 0; i < headers.Length; i++)
        {
            text.Append(i == 0 ? "" : ", ").Append(Text(headers[i].Name(head))).Append('=').Append(Text(headers[i].Value(head)));
        }

        return text.Append('}').ToString();
    }

    /// <summary>Wire bytes as text for the log: Latin-1, control characters escaped, so no byte can forge a line.</summary>
    public static string Text(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length);
        foreach (byte b in bytes)
        {
            _ = b switch
            {
                (byte)'\r' => text.Append("\\r"),
                (byte)'\n' => text.Append("\\n"),
                (byte)'\t' => text.Append("\\t"),
                < 0x20 or 0x7f => text.Append(CultureInfo.InvariantCulture, $"\\x{b:x2}"),
                _ => text.Append((char)b),
            };
        }

        return text.ToString();
    }

    /// <summary>A body for the log: at most <see cref="MaxBodyChars"/> characters, then how much was left out.</summary>
    public static string Body(ReadOnlySpan<byte> body) => body.Length <= MaxBodyChars
        ? Text(body)
        : $"{Text(body[..MaxBodyChars])} [TRUNCATED: {body.Length - MaxBodyChars} more byte(s)]";

    internal void Started(ClientRequest request)
    {
        _startedAt = System.Diagnostics.Stopwatch.GetTimestamp();
        var head = request.Span;
        Write($"Starting execution for request: {Encoding.ASCII.GetString(request.RequestId)}");
        Write($"HTTP Method: {Text(request.Head.MethodToken(head))}, Resource Path: {Text(request.Head.Path(head))}");
        var query = request.Head.Query(head);
        Write($"Method request query string: {Query(query)}");
        Write($"Method request headers: {Headers(head, request.Headers)}");
    }

    internal void Matched(ClientRequest request, RouteModel route, ReadOnlySpan<byte> path, in RouteMatch match)
    {
        Write($"Route matched: {route.RouteKey} (API {route.ApiName}, stage {route.StageName})");
        var parameters = new StringBuilder("{");
        for (int i = 0; i < match.CaptureCount && i < route.ParameterNames.Length; i++)
        {
            var capture = match.Captures[i];
            parameters.Append(i == 0 ? "" : ", ").Append(route.ParameterNames[i]).Append('=').Append(Text(path.Slice(capture.Start, capture.Length)));
        }

        Write($"Method request path: {parameters.Append('}')}");
        var variables = new StringBuilder("{");
        for (int i = 0; i < route.StageVariables.Length; i++)
        {
            variables.Append(i == 0 ? "" : ", ").Append(route.StageVariables[i].Key).Append('=').Append(route.StageVariables[i].Value);
        }

        Write($"Stage variables: {variables.Append('}')}");
        if (route.Access is { ApiKeyRequired: true })
        {
            Write("API key required: yes");
        }
    }

    internal void Access(AccessOutcome outcome, in ThrottleDecision decision)
    {
        string buckets = decision.Limit > 0 ? $"; tightest bucket {decision.Remaining} of {decision.Limit} token(s) left" : "";
        double retry = decision.TicksPerSecond > 0 ? (double)decision.RetryAfterTicks / decision.TicksPerSecond : 0;
        Write(outcome switch
        {
            AccessOutcome.Allowed => $"Access: allowed (API key, throttles and quota){buckets}",
            AccessOutcome.Forbidden => "Access: refused, 403: API key missing, unknown, disabled or without a usage plan for this stage",
            AccessOutcome.Throttled => FormattableString.Invariant($"Access: throttled, 429 Too Many Requests (retry after {retry:0.###} s){buckets}"),
            _ => FormattableString.Invariant($"Access: quota exceeded, 429 Limit Exceeded (next period in {retry:0} s)"),
        });
    }

    /// <summary>The integration request exactly as the forwarder writes it (written once more, into a pipe of its own).</summary>
    internal void EndpointRequest(ClientRequest request, ReadOnlySpan<byte> clientAddress, bool https, HttpIntegrationModel http, in RouteMatch match,
        DestinationState destination, bool reused)
    {
        var pipe = new Pipe();
        UpstreamRequestWriter.Write(pipe.Writer, request, clientAddress, https, http, match, destination);
        _ = pipe.Writer.FlushAsync().AsTask();
        pipe.Writer.Complete();
        pipe.Reader.TryRead(out var read);
        byte[] head = System.Buffers.BuffersExtensions.ToArray(read.Buffer);
        pipe.Reader.Complete();
        int lineEnd = head.AsSpan().IndexOf("\r\n"u8);
        var requestLine = head.AsSpan(0, lineEnd);
        int space = requestLine.IndexOf((byte)' ');
        int lastSpace = requestLine.LastIndexOf((byte)' ');
        Write($"Endpoint request URI: http://{destination.Model.Authority}{Text(requestLine[(space + 1)..lastSpace])} (cluster {http.Cluster.Name}, {(reused ? "pooled" : "new")} connection)");
        var fields = new StringBuilder("{");
        var rest = head.AsSpan(lineEnd + 2);
        bool first = true;
        while (rest.Length > 2)
        {
            int end = rest.IndexOf("\r\n"u8);
            var field = rest[..end];
            int colon = field.IndexOf((byte)':');
            fields.Append(first ? "" : ", ").Append(Text(field[..colon])).Append('=').Append(Text(field[(colon + 1)..].Trim((byte)' ')));
            first = false;
            rest = rest[(end + 2)..];
        }

        Write($"Endpoint request headers: {fields.Append('}')}");
        Write(request.HasBody ? "Endpoint request body after transformations: the method request body, streamed as received" : "Endpoint request body after transformations: (none)");
        Write($"Sending request to http://{destination.Model.Authority}");
    }

    internal void EndpointResponse(ResponseHeadOutcome outcome, UpstreamResponse response, TimeSpan latency)
    {
        string ms = FormattableString.Invariant($"{latency.TotalMilliseconds:0.###} ms");
        if (outcome == ResponseHeadOutcome.Received)
        {
            Write($"Received response. Status: {response.Head.StatusCode}, Integration latency: {ms}");
            Write($"Endpoint response headers: {Headers(response.Span, response.Headers)}");
        }
        else
        {
            Write($"Execution failed: the integration {outcome switch
            {
                ResponseHeadOutcome.TimedOut => "timed out",
                ResponseHeadOutcome.Malformed => "sent a malformed response head",
                _ => "closed the connection before a response",
            }} after {ms}");
        }
    }

    /// <summary><c>?a=1&amp;b=2</c> as AWS prints it, <c>{a=1, b=2}</c> (raw, not percent-decoded).</summary>
    public static string Query(ReadOnlySpan<byte> query)
    {
        if (!query.IsEmpty && query[0] == (byte)'?')
        {
            query = query[1..];
        }

        var text = new StringBuilder("{");
        bool first = true;
        foreach (var range in query.Split((byte)'&'))
        {
            var pair = query[range];
            if (pair.IsEmpty)
            {
                continue;
            }

            int equals = pair.IndexOf((byte)'=');
            text.Append(first ? "" : ", ").Append(Text(equals < 0 ? pair : pair[..equals])).Append('=').Append(equals < 0 ? "" : Text(pair[(equals + 1)..]));
            first = false;
        }

        return text.Append('}').ToString();
    }
}
