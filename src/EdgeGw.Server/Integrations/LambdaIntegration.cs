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
    private static readonly byte[] InternalServerError = "Internal server error"u8.ToArray();
    private static readonly byte[] TimedOutMessage = "Endpoint request timed out"u8.ToArray();
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly ClientConnection _connection;
    private readonly ClientRequest _request;
    private readonly ClientResponder _responder;
    private readonly RequestBodyReader _body;
    private readonly LambdaEventWriter _event = new();
    private readonly LambdaInvoker _invoker = new();
    private readonly BlockBufferWriter _eventBuffer = new(0);
    private readonly BlockBufferWriter _bodyBuffer = new(0);
    private Utf8JsonWriter? _json;

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

        var cluster = snapshot.Clusters[lambda.Cluster.Index];
        var (outcome, status, error) = await _invoker.InvokeAsync(cluster, lambda, eventBytes is null ? default : new ReadOnlyMemory<byte>(eventBytes, 0, eventLength),
            _connection.Runtime.UpstreamErrors, time).ConfigureAwait(false);
        Return(eventBytes);
        _request.Record.IntegrationEndTimestamp = time.GetTimestamp();
        _request.Record.IntegrationErrorMessage = error;
        if (outcome != LambdaOutcome.NoConnection)
        {
            _request.Record.IntegrationStatus = status;
        }

        var answer = _invoker.Answer;
        _connection.ExecutionLog?.Write($"Lambda integration: {outcome}, Invoke API status {status}");

        // 3. The answer.
        switch (outcome)
        {
            case LambdaOutcome.Answered:
                _request.Record.Status = answer.StatusCode;
                _request.Record.ResponseLength = _request.IsHead ? 0 : answer.Body.Length;
                var writer = new BufferWriter<PipeWriter>(_responder.Output);
                answer.WriteHead(ref writer, _request, _responder, _connection.Runtime.Date.Line);
                if (!_request.IsHead && answer.StatusCode is not (204 or 304))
                {
                    writer.Write(answer.Body);
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

    private static void Return(byte[]? array)
    {
        if (array is not null)
        {
            BlockPool.Return(array);
        }
    }

    /// <summary>Per-request tables back to their pools.</summary>
    public void ReturnBuffers() => _invoker.ReturnBuffers();
}
