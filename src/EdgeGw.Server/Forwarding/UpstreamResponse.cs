using System.Runtime.CompilerServices;
using EdgeGw.Core.Upstream;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Infrastructure;

namespace EdgeGw.Server.Forwarding;

/// <summary>
/// An upstream's response head as read and parsed for one request: informational answers (100, 103) are read
/// past, a 101 only when an upgrade was asked for. One per connection, reused; its header table is rented per
/// response and returned when the request ends.
/// </summary>
internal sealed class UpstreamResponse
{

    private HeadReader _reader;
    private HeaderEntry[]? _headers;
    private int _headerCount;

    /// <summary>The parsed status line and framing; <see cref="ResponseHead.KeepAlive"/> may be cleared by the relay.</summary>
    public ResponseHead Head;

    public ReadOnlySpan<byte> Span => _reader.Head.Span;

    public ReadOnlySpan<HeaderEntry> Headers => new(_headers, 0, _headerCount);

    /// <summary>Reads until a final (non-1xx) response head is buffered and parsed.</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public async ValueTask<ResponseHeadOutcome> ReadAsync(UpstreamConnection connection, TimeSpan timeout, HttpMethod requestMethod, bool expectUpgrade)
    {
        var input = connection.Input;
        int informational = 0;
        _reader.Reset();
        connection.Deadline.Arm(timeout);
        bool anyBytes = false;
        while (true)
        {
            var result = await input.ReadAsync().ConfigureAwait(false);
            var buffer = result.Buffer;
            if (result.IsCanceled && connection.Deadline.Expired)
            {
                input.AdvanceTo(buffer.Start);
                return ResponseHeadOutcome.TimedOut;
            }

            anyBytes |= !buffer.IsEmpty;
            var status = _reader.Read(buffer, HeadLimits.UpstreamResponse, out _);
            if (status == HeadScanStatus.Error)
            {
                input.AdvanceTo(buffer.End);
                return ResponseHeadOutcome.Malformed;
            }

            if (status == HeadScanStatus.NeedMoreData)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    return anyBytes ? ResponseHeadOutcome.Malformed : ResponseHeadOutcome.ClosedBeforeResponse;
                }

                continue;
            }

            if (!Parse(requestMethod))
            {
                input.AdvanceTo(buffer.End);
                return ResponseHeadOutcome.Malformed;
            }

            if (Head.IsInformational && !(expectUpgrade && Head.StatusCode == 101))
            {
                // 100 Continue, 103 Early Hints: not relayed. 101 was never asked for (Upgrade is stripped).
                input.AdvanceTo(_reader.HeadEnd);
                if (Head.StatusCode == 101 || ++informational > HeadLimits.MaxInformationalResponses)
                {
                    return ResponseHeadOutcome.Malformed;
                }

                _reader.Reset();
                continue;
            }

            // The head stays in the pipe (not advanced) until the client's head is written from it.
            connection.Deadline.Disarm();
            return ResponseHeadOutcome.Received;
        }
    }

    /// <summary>Gives the head's bytes back to the upstream pipe; the head is unreadable after.</summary>
    public void ConsumeHead(UpstreamConnection connection) => connection.Input.AdvanceTo(_reader.HeadEnd);

    /// <summary>The upstream's status line as HTTP/1.1, keeping its reason phrase when it sent one.</summary>
    public void WriteStatusLine<T>(ref BufferWriter<T> writer) where T : System.Buffers.IBufferWriter<byte>
    {
        var head = Span;
        if (Head.ReasonLength > 0)
        {
            writer.Write("HTTP/1.1 "u8);
            writer.Write(head.Slice(9, 3));
            writer.WriteByte((byte)' ');
            writer.Write(head.Slice(Head.ReasonOffset, Head.ReasonLength));
            writer.Write("\r\n"u8);
        }
        else
        {
            writer.Write(StatusLines.For(Head.StatusCode));
        }
    }

    public void ReturnBuffers()
    {
        if (_headers is not null)
        {
            HeaderTables.Return(_headers);
            _headers = null;
            _headerCount = 0;
        }

        _reader.ReturnBuffer();
    }

    private bool Parse(HttpMethod requestMethod)
    {
        _headers ??= HeaderTables.Rent(HeadLimits.UpstreamResponse.MaxHeaderCount);
        var collector = new HeaderCollector(_headers);
        var error = _reader.ParseResponse(requestMethod, ref collector, out Head);
        _headerCount = collector.Count;
        return error == HttpParseError.None;
    }
}
