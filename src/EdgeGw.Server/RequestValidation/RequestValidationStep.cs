using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using EdgeGw.Core.Observability;
using EdgeGw.Core.ParameterMapping;
using EdgeGw.Core.RequestValidation;
using EdgeGw.Core.Routing;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Http1;
using EdgeGw.Server.Infrastructure;

namespace EdgeGw.Server.RequestValidation;

/// <summary>What the validator decided about one request.</summary>
internal enum ValidationOutcome : byte
{
    Valid,
    MissingParameters,
    InvalidBody,
    BodyTooLarge,
    TimedOut,
    ClientGone,
}

/// <summary>
/// AWS request validators: required parameters on the parsed head, then the body against the route's model. The
/// body is buffered where it already is — in the connection's input pipe, read but not consumed, so the forwarder
/// later streams the very bytes the client sent (nothing is copied or re-serialized). One per connection.
/// </summary>
internal sealed class RequestValidationStep
{
    private static readonly byte[] InvalidBodyMessage = "Invalid request body"u8.ToArray();
    private readonly ClientConnection _connection;
    private readonly ClientRequest _request;
    private readonly ClientResponder _responder;
    private readonly RequestBodyBuffer _bodyBuffer;
    private ulong _missing;

    public RequestValidationStep(ClientConnection connection, ClientRequest request, ClientResponder responder, RequestBodyBuffer bodyBuffer)
    {
        _connection = connection;
        _request = request;
        _responder = responder;
        _bodyBuffer = bodyBuffer;
    }

    /// <param name="buffer">The input read that holds the head, not yet advanced (as the head loop leaves it).</param>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public async ValueTask<ValidationOutcome> ValidateAsync(RequestValidatorPolicy validator, RouteMatch match, ReadOnlySequence<byte> buffer)
    {
        _missing = FindMissing(validator, match);
        if (_missing != 0)
        {
            return ValidationOutcome.MissingParameters;
        }

        if (validator.Body is not { } model)
        {
            return ValidationOutcome.Valid;
        }

        ref readonly var head = ref _request.Head;
        if (head.Body != BodyKind.ContentLength || !_bodyBuffer.IsJson())
        {
            // No body, a chunked one (not buffered for validation) or not JSON: it cannot match the model.
            return head.Body == BodyKind.Chunked && _bodyBuffer.IsJson() ? ValidationOutcome.BodyTooLarge : ValidationOutcome.InvalidBody;
        }

        long length = _request.Head.ContentLength;
        if (length > validator.MaxBodyBytes)
        {
            return ValidationOutcome.BodyTooLarge;
        }

        var buffered = await _bodyBuffer.BufferAsync(buffer).ConfigureAwait(false);
        if (buffered != BodyBufferOutcome.Buffered)
        {
            return buffered == BodyBufferOutcome.TimedOut ? ValidationOutcome.TimedOut : ValidationOutcome.ClientGone;
        }

        // The body stays in the pipe (RequestBodyBuffer): the forwarder streams these same bytes to the backend.
        bool valid = model.IsValid(_request.BufferedBody);
        _connection.ExecutionLog?.Write(valid ? "Request body matches the route's model" : "Request body does not match the route's model");
        return valid ? ValidationOutcome.Valid : ValidationOutcome.InvalidBody;
    }

    /// <summary>AWS's answers: 400 with its message (BAD_REQUEST_PARAMETERS / BAD_REQUEST_BODY), 413, 408.</summary>
    public ValueTask<bool> RefuseAsync(ValidationOutcome outcome, RequestValidatorPolicy validator, bool close)
    {
        if (outcome == ValidationOutcome.TimedOut || outcome == ValidationOutcome.ClientGone)
        {
            return _bodyBuffer.FailAsync(outcome == ValidationOutcome.TimedOut ? BodyBufferOutcome.TimedOut : BodyBufferOutcome.ClientGone, _responder);
        }

        _request.ConsumeHead();
        return outcome switch
        {
            ValidationOutcome.MissingParameters => _responder.GatewayMessageResponseAsync(400, GatewayErrorType.BadRequestParameters, close, validator.MissingMessage(_missing)),
            ValidationOutcome.BodyTooLarge => _responder.GatewayResponseAsync(413, close: true),
            _ => _responder.GatewayMessageResponseAsync(400, GatewayErrorType.BadRequestBody, close, InvalidBodyMessage),
        };
    }

    private ulong FindMissing(RequestValidatorPolicy validator, in RouteMatch match)
    {
        if (validator.Parameters.IsEmpty)
        {
            return 0;
        }

        var head = _request.Span;
        ref readonly var parsed = ref _request.Head;
        var input = new MappingInput
        {
            Head = head,
            Headers = _request.Headers,
            Path = parsed.Path(head),
            StagePrefixLength = match.StagePrefixLength,
            Query = parsed.Query(head),
            Captures = ((ReadOnlySpan<PathCapture>)match.Captures)[..match.CaptureCount],
        };
        return validator.FindMissing(input);
    }
}
