using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using EdgeGw.Core.Lambda;
using EdgeGw.Core.Upstream;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Forwarding;
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
/// One Lambda invoke at a time: POSTs an event to the Invoke API (<c>/2015-03-31/functions/{name}/invocations</c>)
/// over the endpoint cluster's pooled keep-alive connections, SigV4-signed when the integration has credentials,
/// with the cluster's health and circuit breaker in the loop, and reads the answer (up to Lambda's 6 MB) into
/// <see cref="Answer"/>. Owns its response head reader, answer scratch and signer; one per client connection (HTTP)
/// or WebSocket session.
/// </summary>
internal sealed class LambdaInvoker
{
    /// <summary>Lambda's limit on a synchronous invocation's response payload (6 MB).</summary>
    public const int MaxAnswerBytes = 6 * 1024 * 1024;

    private static readonly byte[] FunctionErrorMessage = "the Lambda function failed (X-Amz-Function-Error)"u8.ToArray();
    private static readonly byte[] InvokeErrorMessage = "the Lambda Invoke API answered with an error status"u8.ToArray();
    private static readonly byte[] MalformedMessage = "Malformed Lambda proxy response"u8.ToArray();

    private readonly UpstreamResponse _response = new();
    private Core.Iam.SigV4Signer? _signer;

    /// <summary>The last answer read (after <see cref="LambdaOutcome.Answered"/>).</summary>
    public LambdaAnswer Answer { get; } = new();

    /// <summary>
    /// POSTs <paramref name="payload"/> and reads the answer into <see cref="Answer"/>. The status is the Invoke API's
    /// (for <see cref="LambdaOutcome.NoConnection"/>, the gateway's: 502/503/504); the message says why it failed.
    /// </summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public async ValueTask<(LambdaOutcome Outcome, int Status, byte[]? Error)> InvokeAsync(ClusterState cluster, LambdaIntegrationModel lambda, ReadOnlyMemory<byte> payload,
        UpstreamErrorLog errors, TimeProvider time)
    {
        var (outcome, status, error, _, _) = await InvokeCoreAsync(cluster, lambda, payload, errors, time, raw: false, MaxAnswerBytes).ConfigureAwait(false);
        return (outcome, status, error);
    }

    /// <summary>
    /// As <see cref="InvokeAsync"/>, but the function's payload is not read as a proxy response: on
    /// <see cref="LambdaOutcome.Answered"/> it is handed over as is (a <see cref="BlockPool"/> array the caller returns).
    /// A request authorizer's invoke: its answer is an authorizer response, at most <paramref name="maxAnswerBytes"/>
    /// (a longer one is <see cref="LambdaOutcome.Failed"/>).
    /// </summary>
    public ValueTask<(LambdaOutcome Outcome, int Status, byte[]? Error, byte[]? Payload, int Length)> InvokeRawAsync(ClusterState cluster, LambdaIntegrationModel lambda,
        ReadOnlyMemory<byte> payload, UpstreamErrorLog errors, TimeProvider time, int maxAnswerBytes) =>
        InvokeCoreAsync(cluster, lambda, payload, errors, time, raw: true, Math.Min(maxAnswerBytes, MaxAnswerBytes));

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<(LambdaOutcome Outcome, int Status, byte[]? Error, byte[]? Payload, int Length)> InvokeCoreAsync(ClusterState cluster, LambdaIntegrationModel lambda,
        ReadOnlyMemory<byte> payload, UpstreamErrorLog errors, TimeProvider time, bool raw, int maxAnswerBytes)
    {
        var call = await Forwarding.ClusterCall.BeginAsync(cluster, errors).ConfigureAwait(false);
        if (call.Connection is not { } connection)
        {
            return (LambdaOutcome.NoConnection, call.Status, call.Destination is null ? null : UpstreamErrorLog.Message(UpstreamErrorLog.From(call.Error)), null, 0);
        }

        var destination = call.Destination!;
        bool probe = call.Probe;

        long sent = time.GetTimestamp();
        ResponseHeadOutcome head;
        try
        {
            WriteRequest(connection.Output, lambda, payload.Span, time);
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
            errors.Failed(cluster.Model, destination.Model, failure, status);
            return (head == ResponseHeadOutcome.TimedOut ? LambdaOutcome.TimedOut : LambdaOutcome.Failed, status, UpstreamErrorLog.Message(failure), null, 0);
        }

        int invokeStatus = _response.Head.StatusCode;
        bool functionError = HasHeader(_response, "x-amz-function-error"u8);
        var responseHead = _response.Head;
        _response.ConsumeHead(connection);

        // The rest of the function's time for the body.
        var left = lambda.Timeout - time.GetElapsedTime(sent);
        connection.Deadline.Arm(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
        var (ok, answer, length) = await IntegrationClient.ReadBodyAsync(connection.Input, connection.Deadline, responseHead, maxAnswerBytes).ConfigureAwait(false);
        bool timedOut = !ok && connection.Deadline.Expired;
        connection.Deadline.Disarm();
        destination.Return(connection, reusable: ok && responseHead.KeepAlive && responseHead.Body != BodyKind.CloseDelimited);
        cluster.Report(destination, success: ok && invokeStatus < 500, probe);
        try
        {
            if (!ok)
            {
                var failure = timedOut ? UpstreamFailure.ResponseTimedOut : UpstreamFailure.MalformedResponse;
                errors.Failed(cluster.Model, destination.Model, failure, timedOut ? 504 : 502);
                return (timedOut ? LambdaOutcome.TimedOut : LambdaOutcome.Failed, invokeStatus, UpstreamErrorLog.Message(failure), null, 0);
            }

            if (functionError)
            {
                return (LambdaOutcome.FunctionError, invokeStatus, FunctionErrorMessage, null, 0);
            }

            if (invokeStatus != 200)
            {
                return (LambdaOutcome.InvokeError, invokeStatus, InvokeErrorMessage, null, 0);
            }

            if (raw)
            {
                var handed = answer;
                answer = null; // the caller's now
                return (LambdaOutcome.Answered, invokeStatus, null, handed, length);
            }

            if (!Answer.TryParse(answer.AsSpan(0, length), lambda.Version2) || !Answer.HeadersAreValid())
            {
                return (LambdaOutcome.Malformed, invokeStatus, MalformedMessage, null, 0);
            }

            return (LambdaOutcome.Answered, invokeStatus, null, null, 0);
        }
        finally
        {
            Return(answer);
        }
    }

    private void WriteRequest(PipeWriter output, LambdaIntegrationModel lambda, ReadOnlySpan<byte> payload, TimeProvider time)
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
                time.GetUtcNow());
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

    /// <summary>Per-call tables back to their pools.</summary>
    public void ReturnBuffers() => _response.ReturnBuffers();
}
