using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using EdgeGw.Core.Iam;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Http1;
using EdgeGw.Server.Infrastructure;

namespace EdgeGw.Server.Iam;

/// <summary>
/// The authorizer step of <c>authorizationType: "AWS_IAM"</c> routes: verifies the request's SigV4 signature
/// (<see cref="SigV4Verifier"/>) with the <c>iam</c> section's credentials and, when it holds, makes the signing
/// credential the request's caller identity (<c>$context.identity.userArn</c>, the <c>X-EdgeGw-Authorizer-*</c>
/// headers of the forwarded request). A refusal is AWS's 403 <c>{"message":"..."}</c> and nothing reaches the
/// backend.
/// <para>
/// The payload hash: <c>UNSIGNED-PAYLOAD</c> leaves the body alone; otherwise (the hash given in
/// <c>x-amz-content-sha256</c>, or to be computed) a body of at most <see cref="SigV4Verifier.MaxHashedBodyBytes"/>
/// sent with Content-Length is read ahead in the input pipe, hashed there and left in place for the integration
/// (no copy); a chunked or larger one is refused with a message saying to sign it UNSIGNED-PAYLOAD. One per connection.
/// </para>
/// </summary>
internal sealed class IamStep
{
    private readonly ClientConnection _connection;
    private readonly ClientRequest _request;
    private readonly ClientResponder _responder;
    private readonly SigV4Verifier _verifier = new();
    private readonly byte[] _bodyHash = new byte[64];

    private readonly RequestBodyBuffer _bodyBuffer;

    /// <param name="bodyBuffer">Reads the body ahead once for every step that needs it (validation and body mapping reuse it).</param>
    public IamStep(ClientConnection connection, ClientRequest request, ClientResponder responder, RequestBodyBuffer bodyBuffer)
    {
        _bodyBuffer = bodyBuffer;
        _connection = connection;
        _request = request;
        _responder = responder;
    }

    /// <summary>The verifier's verdict on the last request.</summary>
    public SigV4Status Status { get; private set; }

    /// <summary>
    /// Verifies the request. <paramref name="buffer"/> is the input read that holds the head (still unconsumed):
    /// a body to hash is read ahead after it. Completes synchronously unless a body has to be waited for.
    /// </summary>
    public ValueTask<IamOutcome> VerifyAsync(IamSettings settings, ReadOnlySequence<byte> buffer)
    {
        var request = _request;
        var head = request.Span;
        long now = _connection.Runtime.Time.GetUtcNow().ToUnixTimeSeconds();
        var status = _verifier.Begin(settings, head, request.Headers, Query(request, head), now);
        if (status != SigV4Status.Verified)
        {
            return new(Done(status));
        }

        if (_verifier.Payload == SigV4Payload.Unsigned)
        {
            return new(Done(Finish(SigV4Verifier.UnsignedPayload)));
        }

        if (!request.HasBody)
        {
            if (_verifier.Payload == SigV4Payload.Claimed && !_verifier.ClaimedPayloadHash.SequenceEqual(SigV4Verifier.EmptyPayloadHash))
            {
                return new(Done(SigV4Status.PayloadHashMismatch));
            }

            return new(Done(Finish(SigV4Verifier.EmptyPayloadHash)));
        }

        if (request.Head.Body != BodyKind.ContentLength || request.Head.ContentLength > SigV4Verifier.MaxHashedBodyBytes)
        {
            return new(Done(SigV4Status.BodyNotHashable));
        }

        return VerifyBodyAsync(buffer);
    }

    /// <summary>Answers a refused request (the head is consumed here). Returns whether the connection stays open.</summary>
    public ValueTask<bool> RefuseAsync(IamOutcome outcome, bool close)
    {
        _request.ConsumeHead();
        switch (outcome)
        {
            case IamOutcome.BodyTimedOut:
                return _responder.GatewayResponseAsync(408, close: true);
            case IamOutcome.ClientGone:
                _responder.KeepAlive = false;
                return new(false);
        }

        var status = Status;
        return _responder.GatewayResponseAsync(403, SigV4Messages.ErrorType(status), close, SigV4Messages.ErrorTypeHeader(status), _verifier.MessageFor(status));
    }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<IamOutcome> VerifyBodyAsync(ReadOnlySequence<byte> buffer)
    {
        // In the input pipe, examined not consumed (the body reader later frames the same bytes to the backend).
        switch (await _bodyBuffer.BufferAsync(buffer).ConfigureAwait(false))
        {
            case BodyBufferOutcome.TimedOut:
                return IamOutcome.BodyTimedOut;
            case BodyBufferOutcome.ClientGone:
                return IamOutcome.ClientGone;
        }

        return Done(Hashed(_request.BufferedBody, _bodyHash));
    }

    private SigV4Status Hashed(in ReadOnlySequence<byte> body, Span<byte> hash)
    {
        _verifier.HashPayload(body, hash);
        if (_verifier.Payload == SigV4Payload.Claimed && !_verifier.ClaimedPayloadHash.SequenceEqual(hash))
        {
            return SigV4Status.PayloadHashMismatch;
        }

        return Finish(hash);
    }

    private SigV4Status Finish(ReadOnlySpan<byte> payloadHash)
    {
        var request = _request;
        var head = request.Span;
        return _verifier.Finish(head, request.Headers, request.Head.MethodToken(head), request.Head.Path(head), Query(request, head), payloadHash);
    }

    /// <summary>The query without its leading '?'.</summary>
    private static ReadOnlySpan<byte> Query(ClientRequest request, ReadOnlySpan<byte> head)
    {
        var query = request.Head.Query(head);
        return query.IsEmpty ? query : query[1..];
    }

    private IamOutcome Done(SigV4Status status)
    {
        Status = status;
        _connection.ExecutionLog?.Write(status == SigV4Status.Verified
            ? $"IAM: SigV4 signature verified for access key {_verifier.Credential}"
            : $"IAM: SigV4 refused ({status})");
        if (status != SigV4Status.Verified)
        {
            return IamOutcome.Refused;
        }

        _request.Record.Identity = _verifier.Credential;
        return IamOutcome.Verified;
    }
}
