using System.Buffers;
using EdgeGw.Protocols.Infrastructure;

namespace EdgeGw.Protocols.Http1;

/// <summary>
/// Incremental decoder for the chunked transfer coding (RFC 9112 §7.1), resumable at any byte boundary.
/// Chunk extensions are validated and dropped; trailer fields are validated and dropped. Sizes that overflow,
/// missing CRLFs after data and oversized extension or trailer sections are errors.
/// </summary>
public struct ChunkedDecoder
{
    /// <summary>Longest chunk-size line (size, extensions) accepted.</summary>
    public const int MaxChunkLineBytes = 4096;

    private State _state;
    private long _remaining;
    private int _lineBytes;
    private int _trailerBytes;
    private int _sizeDigits;
    private readonly int _maxTrailerBytes;

    public ChunkedDecoder(int maxTrailerBytes)
    {
        _maxTrailerBytes = maxTrailerBytes;
        _state = State.SizeStart;
    }

    private enum State : byte
    {
        SizeStart = 0,
        Size,
        SizeWhitespace,
        // chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ( token / quoted-string ) ] )   (RFC 9112 §7.1.1)
        ExtensionStart,
        ExtensionName,
        ExtensionAfterName,
        ExtensionValueStart,
        ExtensionToken,
        ExtensionQuoted,
        ExtensionQuotedPair,
        ExtensionValueEnd,
        ExtensionAfterValue,
        SizeLf,
        Data,
        DataCr,
        DataLf,
        TrailerLineStart,
        TrailerName,
        TrailerValue,
        TrailerLineLf,
        TrailerEndLf,
        Complete,
    }

    /// <summary>
    /// Advances <paramref name="reader"/> past framing bytes and at most one run of data. Data is returned as a
    /// slice of the reader's sequence: copy it before the underlying buffer is released.
    /// </summary>
    public ChunkedStatus Read(ref SequenceReader<byte> reader, out ReadOnlySequence<byte> data, out HttpParseError error)
    {
        data = default;
        error = HttpParseError.None;
        while (true)
        {
            if (_state == State.Data)
            {
                long available = reader.Remaining;
                if (available == 0)
                {
                    return ChunkedStatus.NeedMoreData;
                }

                long take = Math.Min(available, _remaining);
                data = reader.UnreadSequence.Slice(0, take);
                reader.Advance(take);
                _remaining -= take;
                if (_remaining == 0)
                {
                    _state = State.DataCr;
                }

                return ChunkedStatus.Data;
            }

            if (_state == State.Complete)
            {
                return ChunkedStatus.Complete;
            }

            if (!reader.TryRead(out byte b))
            {
                return ChunkedStatus.NeedMoreData;
            }

            error = Step(b);
            if (error != HttpParseError.None)
            {
                return ChunkedStatus.Error;
            }
        }
    }

    private HttpParseError Step(byte b)
    {
        switch (_state)
        {
            case State.SizeStart:
                if (!TryHex(b, out int first))
                {
                    return HttpParseError.InvalidChunkSize;
                }

                _remaining = first;
                _sizeDigits = 1;
                _lineBytes = 1;
                _state = State.Size;
                return HttpParseError.None;
            case State.Size:
                if (TryHex(b, out int digit))
                {
                    // 15 hex digits keep the size within a long; more is an overflow attempt.
                    if (++_sizeDigits > 15)
                    {
                        return HttpParseError.InvalidChunkSize;
                    }

                    _remaining = (_remaining << 4) | (uint)digit;
                    _lineBytes++;
                    return HttpParseError.None;
                }

                return AfterSize(b);
            case State.SizeWhitespace:
                if (++_lineBytes > MaxChunkLineBytes)
                {
                    return HttpParseError.InvalidChunkSize;
                }

                if (b == ';')
                {
                    _state = State.ExtensionStart;
                    return HttpParseError.None;
                }

                return b is (byte)' ' or (byte)'\t' ? HttpParseError.None : HttpParseError.InvalidChunkSize;
            case >= State.ExtensionStart and <= State.ExtensionAfterValue:
                return ++_lineBytes > MaxChunkLineBytes ? HttpParseError.InvalidChunkExtension : Extension(b);
            case State.SizeLf:
                if (b != '\n')
                {
                    return HttpParseError.InvalidChunkSize;
                }

                _state = _remaining == 0 ? State.TrailerLineStart : State.Data;
                return HttpParseError.None;
            case State.DataCr:
                if (b != '\r')
                {
                    return HttpParseError.InvalidChunkTerminator;
                }

                _state = State.DataLf;
                return HttpParseError.None;
            case State.DataLf:
                if (b != '\n')
                {
                    return HttpParseError.InvalidChunkTerminator;
                }

                _state = State.SizeStart;
                return HttpParseError.None;
            case State.TrailerLineStart:
                if (b == '\r')
                {
                    _state = State.TrailerEndLf;
                    return CountTrailerByte();
                }

                if (b == ' ' || b == '\t' || b == ':' || !IsTokenByte(b))
                {
                    return HttpParseError.InvalidTrailer;
                }

                _state = State.TrailerName;
                return CountTrailerByte();
            case State.TrailerName:
                if (b == ':')
                {
                    _state = State.TrailerValue;
                }
                else if (!IsTokenByte(b))
                {
                    return HttpParseError.InvalidTrailer;
                }

                return CountTrailerByte();
            case State.TrailerValue:
                if (b == '\r')
                {
                    _state = State.TrailerLineLf;
                }
                else if (b < 0x20 && b != '\t' || b == 0x7F)
                {
                    return HttpParseError.InvalidTrailer;
                }

                return CountTrailerByte();
            case State.TrailerLineLf:
                if (b != '\n')
                {
                    return HttpParseError.InvalidTrailer;
                }

                _state = State.TrailerLineStart;
                return CountTrailerByte();
            case State.TrailerEndLf:
                if (b != '\n')
                {
                    return HttpParseError.InvalidTrailer;
                }

                _state = State.Complete;
                return HttpParseError.None;
            default:
                return HttpParseError.InvalidChunkSize;
        }
    }

    private HttpParseError AfterSize(byte b)
    {
        _lineBytes++;
        switch (b)
        {
            case (byte)'\r':
                _state = State.SizeLf;
                return HttpParseError.None;
            case (byte)';':
                _state = State.ExtensionStart;
                return HttpParseError.None;
            case (byte)' ' or (byte)'\t':
                // BWS before an extension (RFC 9112 §7.1.1); it must lead to ';', not to the line end.
                _state = State.SizeWhitespace;
                return HttpParseError.None;
            default:
                return HttpParseError.InvalidChunkSize;
        }
    }

    /// <summary>
    /// Validates extensions strictly, quoted strings included, so that no two parsers can disagree on where the
    /// chunk line ends. Whitespace is allowed only around ';' and '=' (BWS), never before the CRLF.
    /// </summary>
    private HttpParseError Extension(byte b)
    {
        bool space = b is (byte)' ' or (byte)'\t';
        bool token = IsTokenByte(b);
        State next = _state switch
        {
            State.ExtensionStart => space ? State.ExtensionStart : token ? State.ExtensionName : State.Complete,
            State.ExtensionName => token ? State.ExtensionName : space ? State.ExtensionAfterName : AfterItem(b, allowEquals: true),
            State.ExtensionAfterName => space ? State.ExtensionAfterName : b == '\r' ? State.Complete : AfterItem(b, allowEquals: true),
            State.ExtensionValueStart => space ? State.ExtensionValueStart : b == '"' ? State.ExtensionQuoted : token ? State.ExtensionToken : State.Complete,
            State.ExtensionToken => token ? State.ExtensionToken : space ? State.ExtensionAfterValue : AfterItem(b, allowEquals: false),
            State.ExtensionQuoted => b == '"' ? State.ExtensionValueEnd : b == '\\' ? State.ExtensionQuotedPair : IsQuotedText(b) ? State.ExtensionQuoted : State.Complete,
            State.ExtensionQuotedPair => IsQuotedText(b) || b == '"' || b == '\\' ? State.ExtensionQuoted : State.Complete,
            State.ExtensionValueEnd => space ? State.ExtensionAfterValue : AfterItem(b, allowEquals: false),
            _ => space ? State.ExtensionAfterValue : b == '\r' ? State.Complete : AfterItem(b, allowEquals: false),
        };

        // Complete stands in for "invalid" here: it is never a legal successor of an extension state.
        if (next == State.Complete)
        {
            return HttpParseError.InvalidChunkExtension;
        }

        _state = next;
        return HttpParseError.None;
    }

    private static State AfterItem(byte b, bool allowEquals) => b switch
    {
        (byte)';' => State.ExtensionStart,
        (byte)'\r' => State.SizeLf,
        (byte)'=' when allowEquals => State.ExtensionValueStart,
        _ => State.Complete,
    };

    // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
    private static bool IsQuotedText(byte b) => b is (byte)'\t' or (byte)' ' or 0x21 or (>= 0x23 and <= 0x5B) or (>= 0x5D and <= 0x7E) or >= 0x80;

    private HttpParseError CountTrailerByte() =>
        ++_trailerBytes > _maxTrailerBytes ? HttpParseError.TrailerTooLarge : HttpParseError.None;

    private static bool IsTokenByte(byte b) => HttpCharacters.Token.Contains(b);

    private static bool TryHex(byte b, out int value)
    {
        value = HexConverter(b);
        return value >= 0;
    }

    private static int HexConverter(byte b)
    {
        if ((uint)(b - '0') <= 9)
        {
            return b - '0';
        }

        int lower = b | 0x20;
        return (uint)(lower - 'a') <= 5 ? lower - 'a' + 10 : -1;
    }
}
