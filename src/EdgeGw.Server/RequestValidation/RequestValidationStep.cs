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
    private ulong _missing;

    public RequestValidationStep(ClientConnection connection, ClientRequest request, ClientResponder responder)
    {
        _connection = connection;
        _request = request;
        _responder = responder;
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
        if (head.Body != BodyKind.ContentLength || !IsJson())
        {
            // No body, a chunked one (not buffered for validation) or not JSON: it cannot match the model.
            return head.Body == BodyKind.Chunked && IsJson() ? ValidationOutcome.BodyTooLarge : ValidationOutcome.InvalidBody;
        }

        long length = _request.Head.ContentLength;
        if (length > validator.MaxBodyBytes)
        {
            return ValidationOutcome.BodyTooLarge;
        }

        if (_request.Head.ExpectContinue)
        {
            // The client waits for this before it sends the body; the forwarder must not send it again.
            _connection.Output.Write("HTTP/1.1 100 Continue\r\n\r\n"u8);
            await _connection.Output.FlushAsync().ConfigureAwait(false);
            _request.Head.ExpectContinue = false;
        }

        var input = _connection.Input;
        var deadline = _connection.Deadline;
        var headEnd = _request.Reader.HeadEnd;
        while (buffer.Slice(headEnd).Length < length)
        {
            // Keep everything (head included) in the pipe: examined, not consumed.
            input.AdvanceTo(buffer.Start, buffer.End);
            deadline.Arm(_connection.Runtime.Current.Model.Server.RequestHeadTimeout);
            var result = await input.ReadAsync().ConfigureAwait(false);
            deadline.Disarm();
            buffer = result.Buffer;
            if (result.IsCanceled && deadline.Expired)
            {
                return ValidationOutcome.TimedOut;
            }

            if (result.IsCompleted && buffer.Slice(headEnd).Length < length)
            {
                return ValidationOutcome.ClientGone;
            }
        }

        // The read stays outstanding, as after the head loop: ConsumeHead advances past the head, and the body
        // reader then frames these same bytes to the backend.
        bool valid = model.IsValid(buffer.Slice(headEnd, length));
        _connection.ExecutionLog?.Write(valid ? "Request body matches the route's model" : "Request body does not match the route's model");
        return valid ? ValidationOutcome.Valid : ValidationOutcome.InvalidBody;
    }

    /// <summary>AWS's answers: 400 with its message (BAD_REQUEST_PARAMETERS / BAD_REQUEST_BODY), 413, 408.</summary>
    public ValueTask<bool> RefuseAsync(ValidationOutcome outcome, RequestValidatorPolicy validator, bool close)
    {
        if (outcome == ValidationOutcome.TimedOut || outcome == ValidationOutcome.ClientGone)
        {
            // The pipe holds a read that was not advanced: consume it all, the connection is done.
            _request.ConsumeHead();
            if (outcome == ValidationOutcome.ClientGone)
            {
                return ValueTask.FromResult(false);
            }

            return _responder.GatewayResponseAsync(408, close: true);
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

    private bool IsJson()
    {
        var head = _request.Span;
        foreach (ref readonly var entry in _request.Headers)
        {
            if (Ascii.EqualsIgnoreCase(entry.Name(head), "content-type"u8))
            {
                var value = entry.Value(head).TrimStart((byte)' ');
                return value.Length >= 16 && Ascii.EqualsIgnoreCase(value[..16], "application/json"u8)
                    && (value.Length == 16 || value[16] is (byte)';' or (byte)' ');
            }
        }

        return false;
    }
}
