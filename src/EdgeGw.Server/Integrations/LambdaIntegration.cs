using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using EdgeGw.Core.Lambda;
using EdgeGw.Core.Model;
using EdgeGw.Core.Observability;
using EdgeGw.Core.Upstream;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Forwarding;
using EdgeGw.Server.Http1;
using EdgeGw.Server.Infrastructure;
using EdgeGw.Server.Logging;
using EdgeGw.Server.WebSockets;
using EdgeGw.Transport;

namespace EdgeGw.Server.Integrations;

/// <summary>How a Lambda invoke ended (for the answer and the execution log).</summary>
internal enum LambdaOutcome : byte
{
    Answered,
    /// <summary>No connection to the endpoint (its lease error's status: 502/503/504).</summary>
    NoConnection,
    /// <summary>The function did not answer within <c>timeoutMs</c>: 504.</summary>
    TimedOut,
    /// <summary>The endpoint closed or sent something that is not HTTP: 502.</summary>
    Failed,
    /// <summary>The Invoke API answered with an error status (not found, throttled, denied): 502.</summary>
    InvokeError,
    /// <summary><c>X-Amz-Function-Error</c>: the function threw or crashed: 502.</summary>
    FunctionError,
    /// <summary>The answer is not a proxy response API Gateway would take: 502.</summary>
    Malformed,
}

/// <summary>
/// The Lambda proxy integration (<c>"type": "lambda"</c>): builds API Gateway's proxy event from the request (head
/// fields written while the head is readable, then the body read whole, bounded by the route's <c>maxBodyBytes</c>),
/// POSTs it to the Invoke API (<c>/2015-03-31/functions/{name}/invocations</c>) over the endpoint cluster's pooled
/// keep-alive connections, SigV4-signed when the function is on AWS, and maps the function's answer back
/// (<see cref="LambdaAnswer"/>). A function error (<c>X-Amz-Function-Error</c>), an Invoke API error or a malformed
/// answer is AWS's 502 <c>{"message":"Internal server error"}</c>; no answer within <c>timeoutMs</c> is 504. The
/// event and bodies go through <see cref="BlockPool"/> arrays; the JSON writer, the answer's scratch and the signer
/// are the step's own, kept per connection. One per client connection, created on its first Lambda request.
/// </summary>
internal sealed class LambdaIntegration
{
    /// <summary>Lambda's limit on a synchronous invocation's response payload (6 MB).</summary>
    public const int MaxAnswerBytes = 6 * 1024 * 1024;

    private static readonly byte[] InternalServerError = "Internal server error"u8.ToArray();
    private static readonly byte[] TimedOutMessage = "Endpoint request timed out"u8.ToArray();
    private static readonly byte[] FunctionErrorMessage = "the Lambda function failed (X-Amz-Function-Error)"u8.ToArray();
    private static readonly byte[] InvokeErrorMessage = "the Lambda Invoke API answered with an error status"u8.ToArray();
    private static readonly byte[] MalformedMessage = "Malformed Lambda proxy response"u8.ToArray();
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly ClientConnection _connection;
    private readonly ClientRequest _request;
    private readonly ClientResponder _responder;
    private readonly RequestBodyReader _body;
    private readonly LambdaEventWriter _event = new();
    private readonly LambdaAnswer _answer = new();
    private readonly UpstreamResponse _response = new();
    private readonly BlockBufferWriter _eventBuffer = new(0);
    private readonly BlockBufferWriter _bodyBuffer = new(0);
    private Utf8JsonWriter? _json;
    private Core.Iam.SigV4Signer? _signer;

    public LambdaIntegration(ClientConnection connection, ClientRequest request, ClientResponder responder, RequestBodyReader body)
    {
        _connection = connection;
        _request = request;
        _responder = responder;
        _body = body;
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public async ValueTask<bool> ServeAsync(GatewaySnapshot snapshot, RouteModel route, LambdaIntegrationModel lambda, RouteMatch match)
    {
        var time = _connection.Runtime.Time;
        _request.Record.IntegrationStartTimestamp = time.GetTimestamp();
        bool hasBody = _request.HasBody;

        // 1. The event's head fields, while the head is readable; then the body, read whole.
        var json = _json ??= new Utf8JsonWriter(_eventBuffer, JsonOptions);
        json.Reset(_eventBuffer);
        bool textual = _event.WriteHead(json, _request, lambda, in match, _request.Head.Path(_request.Span), _connection.IsHttps, time.GetUtcNow());
        _request.ConsumeHead();
        byte[]? body = null;
        int bodyLength = 0;
        if (hasBody)
        {
            var read = await _body.ReadAllAsync(_bodyBuffer, route.MaxBodyBytes).ConfigureAwait(false);
            body = _bodyBuffer.Detach(out bodyLength);
            if (read != BodyOutcome.Complete)
            {
                Return(body);
                json.Reset();
                _eventBuffer.Release();
                _request.Record.IntegrationEndTimestamp = time.GetTimestamp();
                return await _responder.BodyFailureAsync(read).ConfigureAwait(false);
            }
        }

        LambdaEventWriter.WriteBody(json, body.AsSpan(0, bodyLength), textual, hasBody, lambda.Version2);
        json.Flush();
        Return(body);
        var eventBytes = _eventBuffer.Detach(out int eventLength);
        _connection.ExecutionLog?.Write($"Lambda integration: invoking {lambda.Function} (payload format {(lambda.Version2 ? "2.0" : "1.0")}), event of {eventLength} byte(s)");

        // 2. The invoke.
        if (_responder.HasUnflushed)
        {
            // Earlier pipelined responses must not wait on the function.
            await _responder.FlushPendingAsync().ConfigureAwait(false);
        }

        var (outcome, status) = await InvokeAsync(snapshot, lambda, eventBytes is null ? default : new ReadOnlyMemory<byte>(eventBytes, 0, eventLength)).ConfigureAwait(false);
        Return(eventBytes);
        _request.Record.IntegrationEndTimestamp = time.GetTimestamp();
        _connection.ExecutionLog?.Write($"Lambda integration: {outcome}, Invoke API status {status}");

        // 3. The answer.
        switch (outcome)
        {
            case LambdaOutcome.Answered:
                _request.Record.Status = _answer.StatusCode;
                _request.Record.ResponseLength = _request.IsHead ? 0 : _answer.Body.Length;
                var writer = new BufferWriter<PipeWriter>(_responder.Output);
                _answer.WriteHead(ref writer, _request, _responder, _connection.Runtime.Date.Line);
                if (!_request.IsHead && _answer.StatusCode is not (204 or 304))
                {
                    writer.Write(_answer.Body);
                }

                writer.Commit();
                return await _responder.EndResponseAsync().ConfigureAwait(false);
            case LambdaOutcome.NoConnection:
                return await _responder.GatewayResponseAsync(status, close: false).ConfigureAwait(false);
            case LambdaOutcome.TimedOut:
                return await _responder.GatewayResponseAsync(504, GatewayErrorType.IntegrationTimeout, close: false, default, TimedOutMessage).ConfigureAwait(false);
            default:
                return await _responder.GatewayResponseAsync(502, GatewayErrorType.IntegrationFailure, close: false, default, InternalServerError).ConfigureAwait(false);
        }
    }

    /// <summary>POSTs the event and reads the answer into <see cref="_answer"/>; the status is the Invoke API's (or the gateway's for no connection).</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<(LambdaOutcome, int)> InvokeAsync(GatewaySnapshot snapshot, LambdaIntegrationModel lambda, ReadOnlyMemory<byte> payload)
    {
        var cluster = snapshot.Clusters[lambda.Cluster.Index];
        bool probe = false;
        if (cluster.Breaker is { } breaker && !breaker.TryEnter(LoopClock.Now(cluster.Time), out probe))
        {
            return (LambdaOutcome.NoConnection, 503);
        }

        var (destination, connection, leaseError) = await cluster.LeaseAsync(forceNew: false).ConfigureAwait(false);
        if (connection is null)
        {
            if (leaseError.IsLocal())
            {
                cluster.Breaker?.ReleaseProbe(probe);
            }
            else
            {
                cluster.Report(destination, success: false, probe);
            }

            int status = leaseError.ToStatusCode();
            _request.Record.IntegrationErrorMessage = UpstreamErrorLog.Message(UpstreamErrorLog.From(leaseError));
            _connection.Runtime.UpstreamErrors.LeaseFailed(cluster.Model, destination, leaseError, status);
            return (LambdaOutcome.NoConnection, status);
        }

        var time = _connection.Runtime.Time;
        long sent = time.GetTimestamp();
        ResponseHeadOutcome head;
        try
        {
            WriteRequest(connection.Output, lambda, payload.Span);
            var flush = await connection.Output.FlushAsync().ConfigureAwait(false);
            head = flush.IsCompleted
                ? ResponseHeadOutcome.ClosedBeforeResponse
                : await _response.ReadAsync(connection, lambda.Timeout, HttpMethod.Post, expectUpgrade: false).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            head = ResponseHeadOutcome.ClosedBeforeResponse;
        }

        if (head != ResponseHeadOutcome.Received)
        {
            destination.Return(connection, reusable: false);
            cluster.Report(destination, success: false, probe);
            var failure = head switch
            {
                ResponseHeadOutcome.TimedOut => UpstreamFailure.ResponseTimedOut,
                ResponseHeadOutcome.Malformed => UpstreamFailure.MalformedResponse,
                _ => UpstreamFailure.ClosedBeforeResponse,
            };
            int status = head == ResponseHeadOutcome.TimedOut ? 504 : 502;
            _request.Record.IntegrationErrorMessage = UpstreamErrorLog.Message(failure);
            _connection.Runtime.UpstreamErrors.Failed(cluster.Model, destination.Model, failure, status);
            return (head == ResponseHeadOutcome.TimedOut ? LambdaOutcome.TimedOut : LambdaOutcome.Failed, status);
        }

        int invokeStatus = _response.Head.StatusCode;
        bool functionError = HasHeader(_response, "x-amz-function-error"u8);
        var responseHead = _response.Head;
        _response.ConsumeHead(connection);
        _request.Record.IntegrationStatus = invokeStatus;

        // The rest of the function's time for the body.
        var left = lambda.Timeout - time.GetElapsedTime(sent);
        connection.Deadline.Arm(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
        var (ok, answer, length) = await IntegrationClient.ReadBodyAsync(connection.Input, connection.Deadline, responseHead, MaxAnswerBytes).ConfigureAwait(false);
        bool timedOut = !ok && connection.Deadline.Expired;
        connection.Deadline.Disarm();
        destination.Return(connection, reusable: ok && responseHead.KeepAlive && responseHead.Body != BodyKind.CloseDelimited);
        cluster.Report(destination, success: ok && invokeStatus < 500, probe);
        try
        {
            if (!ok)
            {
                var failure = timedOut ? UpstreamFailure.ResponseTimedOut : UpstreamFailure.MalformedResponse;
                _request.Record.IntegrationErrorMessage = UpstreamErrorLog.Message(failure);
                _connection.Runtime.UpstreamErrors.Failed(cluster.Model, destination.Model, failure, timedOut ? 504 : 502);
                return (timedOut ? LambdaOutcome.TimedOut : LambdaOutcome.Failed, invokeStatus);
            }

            if (functionError)
            {
                _request.Record.IntegrationErrorMessage = FunctionErrorMessage;
                return (LambdaOutcome.FunctionError, invokeStatus);
            }

            if (invokeStatus != 200)
            {
                _request.Record.IntegrationErrorMessage = InvokeErrorMessage;
                return (LambdaOutcome.InvokeError, invokeStatus);
            }

            if (!_answer.TryParse(answer.AsSpan(0, length), lambda.Version2) || !_answer.HeadersAreValid())
            {
                _request.Record.IntegrationErrorMessage = MalformedMessage;
                return (LambdaOutcome.Malformed, invokeStatus);
            }

            return (LambdaOutcome.Answered, invokeStatus);
        }
        finally
        {
            Return(answer);
        }
    }

    private void WriteRequest(PipeWriter output, LambdaIntegrationModel lambda, ReadOnlySpan<byte> payload)
    {
        var writer = new BufferWriter<PipeWriter>(output);
        writer.Write("POST "u8);
        writer.Write(lambda.InvokeTarget);
        writer.Write(" HTTP/1.1\r\nHost: "u8);
        writer.Write(lambda.Host);
        writer.Write("\r\nContent-Type: application/json\r\nContent-Length: "u8);
        writer.WriteNumber(payload.Length);
        writer.Write("\r\n"u8);
        if (lambda.Signing is { } credential)
        {
            (_signer ??= new Core.Iam.SigV4Signer()).WriteHeaders(ref writer, credential, "POST"u8, lambda.InvokeTarget, lambda.Host, "application/json"u8, payload,
                _connection.Runtime.Time.GetUtcNow());
        }

        writer.Write("\r\n"u8);
        writer.Write(payload);
        writer.Commit();
    }

    private static bool HasHeader(UpstreamResponse response, ReadOnlySpan<byte> name)
    {
        var head = response.Span;
        foreach (ref readonly var entry in response.Headers)
        {
            if (System.Text.Ascii.EqualsIgnoreCase(entry.Name(head), name))
            {
                return true;
            }
        }

        return false;
    }

    private static void Return(byte[]? array)
    {
        if (array is not null)
        {
            BlockPool.Return(array);
        }
    }

    /// <summary>Per-request tables back to their pools.</summary>
    public void ReturnBuffers() => _response.ReturnBuffers();
}
