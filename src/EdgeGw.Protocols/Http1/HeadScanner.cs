using System.Buffers;

namespace EdgeGw.Protocols.Http1;

/// <summary>
/// Finds the end of a message head (the empty line) in a growing buffer and enforces the size limits before
/// anything is parsed. It remembers how far it has looked, so a client trickling one byte per read costs
/// linear, not quadratic, work. Every LF must be preceded by CR; lines are counted so the header count limit
/// holds before the head is complete.
/// </summary>
public struct HeadScanner
{
    private long _scanned;
    private long _lineStart;
    private long _headStart;
    private long _startLineEnd;
    private int _lines;
    private bool _lastWasCr;

    public void Reset() => this = default;

    /// <summary>Where the head starts in the buffer: leading empty lines before a request line are skipped (RFC 9112 §2.2).</summary>
    public readonly long HeadStart => _headStart;

    /// <summary>
    /// Scans <paramref name="buffer"/>, which must start where the message starts and only grow between calls.
    /// On <see cref="HeadScanStatus.Complete"/>, <paramref name="headLength"/> is the length from
    /// <see cref="HeadStart"/> through the final CRLF.
    /// </summary>
    public HeadScanStatus Scan(in ReadOnlySequence<byte> buffer, in HeadLimits limits, out long headLength, out HttpParseError error)
    {
        headLength = 0;
        error = HttpParseError.None;
        long position = _scanned;
        if (position >= buffer.Length)
        {
            return HeadScanStatus.NeedMoreData;
        }

        var remaining = position == 0 ? buffer : buffer.Slice(position);
        foreach (var memory in remaining)
        {
            var span = memory.Span;
            int offset = 0;
            while (offset < span.Length)
            {
                int index = span[offset..].IndexOfAny((byte)'\r', (byte)'\n');
                if (index < 0)
                {
                    if (_lastWasCr)
                    {
                        error = HttpParseError.BareCarriageReturn;
                        return HeadScanStatus.Error;
                    }

                    position += span.Length - offset;
                    break;
                }

                if (_lastWasCr && index > 0)
                {
                    error = HttpParseError.BareCarriageReturn;
                    return HeadScanStatus.Error;
                }

                position += index;
                offset += index;
                byte b = span[offset];
                offset++;
                position++;
                if (b == '\r')
                {
                    if (_lastWasCr)
                    {
                        error = HttpParseError.BareCarriageReturn;
                        return HeadScanStatus.Error;
                    }

                    _lastWasCr = true;
                    continue;
                }

                if (!_lastWasCr)
                {
                    error = HttpParseError.BareLineFeed;
                    return HeadScanStatus.Error;
                }

                _lastWasCr = false;
                long lineLength = position - _lineStart;
                long lineStart = _lineStart;
                _lineStart = position;
                if (lineLength == 2)
                {
                    if (_lines == 0)
                    {
                        // An empty line before the start line: tolerated and skipped, within the start line's budget.
                        _headStart = position;
                        if (_headStart > limits.MaxStartLineBytes)
                        {
                            error = HttpParseError.RequestLineTooLong;
                            return HeadScanStatus.Error;
                        }

                        continue;
                    }

                    _scanned = position;
                    headLength = position - _headStart;
                    return HeadScanStatus.Complete;
                }

                if (_lines == 0)
                {
                    _startLineEnd = position;
                    if (lineLength - 2 > limits.MaxStartLineBytes)
                    {
                        error = HttpParseError.RequestLineTooLong;
                        return HeadScanStatus.Error;
                    }
                }
                else if (lineStart - _startLineEnd + lineLength > limits.MaxHeaderBytes)
                {
                    error = HttpParseError.HeadersTooLarge;
                    return HeadScanStatus.Error;
                }

                _lines++;
                if (_lines - 1 > limits.MaxHeaderCount)
                {
                    error = HttpParseError.TooManyHeaders;
                    return HeadScanStatus.Error;
                }
            }
        }

        _scanned = position;
        // The line in progress may already be over its limit: fail now rather than buffer more of it.
        long partial = position - _lineStart;
        if (_lines == 0 && partial > limits.MaxStartLineBytes + 2)
        {
            error = HttpParseError.RequestLineTooLong;
            return HeadScanStatus.Error;
        }

        if (_lines > 0 && position - _startLineEnd > limits.MaxHeaderBytes + 2)
        {
            error = HttpParseError.HeadersTooLarge;
            return HeadScanStatus.Error;
        }

        return HeadScanStatus.NeedMoreData;
    }
}
