using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Infrastructure;

namespace EdgeGw.Server.Http1;

/// <summary>How buffering a request body ended.</summary>
internal enum BodyBufferOutcome : byte
{
    Buffered,
    TimedOut,
    ClientGone,
}

/// <summary>
/// Buffers a Content-Length body where it already is — in the connection's input pipe, read but not consumed, so the
/// forwarder later streams the very bytes the client sent. Shared by the steps that read a body before the
/// integration (request validation, <c>$request.body</c> mapping): a request's body is read once, and
/// <see cref="ClientRequest.BufferedBody"/> stays valid until the head is consumed. One per connection.
/// </summary>
internal sealed class RequestBodyBuffer
{
    private readonly ClientConnection _connection;
    private readonly ClientRequest _request;

    public RequestBodyBuffer(ClientConnection connection, ClientRequest request)
    {
        _connection = connection;
        _request = request;
    }

    /// <summary>The request has a Content-Length body with a JSON content type (<c>application/json</c>, parameters allowed).</summary>
    public bool IsJson()
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

    /// <summary>
    /// Reads the whole Content-Length body into the pipe (100-continue answered first, the head timeout armed while
    /// waiting) and sets <see cref="ClientRequest.BufferedBody"/>. The caller checked the length against its bound.
    /// </summary>
    /// <param name="buffer">The input read that holds the head, not yet advanced (as the head loop leaves it).</param>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public async ValueTask<BodyBufferOutcome> BufferAsync(ReadOnlySequence<byte> buffer)
    {
        if (_request.BodyBuffered)
        {
            return BodyBufferOutcome.Buffered;
        }

        long length = _request.Head.ContentLength;
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
                return BodyBufferOutcome.TimedOut;
            }

            if (result.IsCompleted && buffer.Slice(headEnd).Length < length)
            {
                return BodyBufferOutcome.ClientGone;
            }
        }

        // The read stays outstanding, as after the head loop: ConsumeHead advances past the head, and the body
        // reader then frames these same bytes to the backend. Nothing advances the pipe before that.
        _request.SetBufferedBody(buffer.Slice(headEnd, length));
        return BodyBufferOutcome.Buffered;
    }

    /// <summary>The connection after a failed read: 408 on a timeout, nothing when the client is gone (false: close).</summary>
    public ValueTask<bool> FailAsync(BodyBufferOutcome outcome, ClientResponder responder)
    {
        // The pipe holds a read that was not advanced: consume it all, the connection is done.
        _request.ConsumeHead();
        return outcome == BodyBufferOutcome.ClientGone ? ValueTask.FromResult(false) : responder.GatewayResponseAsync(408, close: true);
    }
}
