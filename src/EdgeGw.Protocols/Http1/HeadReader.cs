using System.Buffers;

namespace EdgeGw.Protocols.Http1;

/// <summary>
/// Reads one message head out of a growing buffer: <see cref="HeadScanner"/> finds its end under the limits,
/// a head split across segments is copied into a pooled buffer so the parser always sees one span, and the
/// request or response parser fills the caller's struct header handler. Every HTTP/1 reader of the gateway
/// (client connections, the forwarder, the admin API, the WebSocket integration client) and the conformance
/// suite and fuzzers go through this one type. One per connection direction; <see cref="Reset"/> per message.
/// </summary>
public struct HeadReader
{
    private HeadScanner _scanner;
    private byte[]? _copy;
    private ReadOnlyMemory<byte> _head;
    private SequencePosition _headEnd;

    /// <summary>The complete head (start line through the empty line), valid until the buffer is advanced past <see cref="HeadEnd"/>.</summary>
    public readonly ReadOnlyMemory<byte> Head => _head;

    /// <summary>Where the head ends in the buffer last passed to <see cref="Read"/>.</summary>
    public readonly SequencePosition HeadEnd => _headEnd;

    /// <summary>Starts a new message; keeps the copy buffer for the next split head.</summary>
    public void Reset()
    {
        _scanner.Reset();
        _head = default;
        _headEnd = default;
    }

    /// <summary>
    /// Scans <paramref name="buffer"/>, which must start where the message starts and only grow between calls.
    /// On <see cref="HeadScanStatus.Complete"/>, <see cref="Head"/> and <see cref="HeadEnd"/> are set.
    /// </summary>
    public HeadScanStatus Read(in ReadOnlySequence<byte> buffer, in HeadLimits limits, out HttpParseError error)
    {
        var status = _scanner.Scan(buffer, limits, out long headLength, out error);
        if (status != HeadScanStatus.Complete)
        {
            return status;
        }

        var head = buffer.Slice(_scanner.HeadStart, headLength);
        _headEnd = head.End;
        _head = head.IsSingleSegment ? head.First : Copy(head);
        return HeadScanStatus.Complete;
    }

    /// <summary>Parses a complete request head into <paramref name="handler"/>.</summary>
    public readonly HttpParseError ParseRequest<THandler>(ref THandler handler, out RequestHead request)
        where THandler : IHttpHeadersHandler =>
        HttpRequestParser.Parse(_head.Span, ref handler, out request);

    /// <summary>Parses a complete response head; <paramref name="requestMethod"/> decides whether it has a body (HEAD).</summary>
    public readonly HttpParseError ParseResponse<THandler>(HttpMethod requestMethod, ref THandler handler, out ResponseHead response)
        where THandler : IHttpHeadersHandler =>
        HttpResponseParser.Parse(_head.Span, requestMethod, ref handler, out response);

    /// <summary>Gives the copy buffer back (an idle connection holds none).</summary>
    public void ReturnBuffer()
    {
        if (_copy is not null)
        {
            ArrayPool<byte>.Shared.Return(_copy);
            _copy = null;
        }

        _head = default;
    }

    private ReadOnlyMemory<byte> Copy(in ReadOnlySequence<byte> head)
    {
        int length = (int)head.Length;
        if (_copy is not null && _copy.Length < length)
        {
            ArrayPool<byte>.Shared.Return(_copy);
            _copy = null;
        }

        _copy ??= ArrayPool<byte>.Shared.Rent(length);
        head.CopyTo(_copy);
        return new ReadOnlyMemory<byte>(_copy, 0, length);
    }
}
