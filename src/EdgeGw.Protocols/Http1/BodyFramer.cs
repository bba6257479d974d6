using System.Buffers;
using EdgeGw.Protocols.Buffers;

namespace EdgeGw.Protocols.Http1;

/// <summary>
/// Frames one message body as it arrives, whatever its kind — Content-Length, chunked or close-delimited — and
/// copies its data to a writer: as it came (a fixed length), re-chunked (decoded and encoded again, so chunk
/// extensions and trailers never pass), or raw. The one body framing of the gateway: request bodies to an
/// upstream or drained, responses relayed to a client, integration answers read into a buffer, and the
/// conformance suite and fuzzers. Holds no buffer; the caller owns the input and output.
/// </summary>
public struct BodyFramer
{
    private ChunkedDecoder _chunked;
    private long _remaining;
    private long _total;
    private HttpParseError _error;
    private readonly long _limit;
    private readonly BodyKind _kind;
    private readonly bool _chunkedOutput;

    /// <param name="kind">How the message says its body is framed.</param>
    /// <param name="contentLength">The declared length for <see cref="BodyKind.ContentLength"/>.</param>
    /// <param name="chunkedOutput">Write the data as chunks (a chunked or close-delimited input only; a fixed length is copied as is).</param>
    /// <param name="limit">The most body data accepted (<see cref="BodyFrameStatus.TooLarge"/> beyond it).</param>
    /// <param name="maxTrailerBytes">The chunked trailer section's size limit.</param>
    public BodyFramer(BodyKind kind, long contentLength, bool chunkedOutput, long limit, int maxTrailerBytes)
    {
        _kind = kind;
        _remaining = kind == BodyKind.ContentLength ? contentLength : 0;
        _chunkedOutput = chunkedOutput && kind is BodyKind.Chunked or BodyKind.CloseDelimited;
        _limit = limit;
        _total = 0;
        _error = HttpParseError.None;
        _chunked = kind == BodyKind.Chunked ? new ChunkedDecoder(maxTrailerBytes) : default;
    }

    public readonly BodyKind Kind => _kind;

    /// <summary>Why the chunked framing was <see cref="BodyFrameStatus.Invalid"/>.</summary>
    public readonly HttpParseError Error => _error;

    /// <summary>Body data framed so far (de-chunked).</summary>
    public readonly long Total => _total;

    /// <summary>
    /// Frames what <paramref name="input"/> holds (it starts at the body's unconsumed data), writes the data to
    /// <paramref name="output"/> (nowhere when null) and shows it to <paramref name="observer"/>. The bytes up to
    /// <paramref name="consumed"/> are done with; after <see cref="BodyFrameStatus.Complete"/> the rest is the
    /// next message. <paramref name="inputCompleted"/> says no more bytes will come (it ends a close-delimited body).
    /// </summary>
    public BodyFrameStatus Frame<TWriter>(in ReadOnlySequence<byte> input, bool inputCompleted, TWriter? output, IBodyObserver? observer, out SequencePosition consumed)
        where TWriter : class, IBufferWriter<byte>
    {
        var writer = output is null ? default : new BufferWriter<TWriter>(output);
        var status = _kind switch
        {
            BodyKind.None => Done(input, out consumed),
            BodyKind.ContentLength => FrameFixed(input, ref writer, output is not null, observer, out consumed),
            BodyKind.Chunked => FrameChunked(input, ref writer, output is not null, observer, out consumed),
            _ => FrameUntilClose(input, inputCompleted, ref writer, output is not null, observer, out consumed),
        };

        if (output is not null)
        {
            writer.Commit();
        }

        return status == BodyFrameStatus.NeedMoreData && inputCompleted ? BodyFrameStatus.Truncated : status;
    }

    private static BodyFrameStatus Done(in ReadOnlySequence<byte> input, out SequencePosition consumed)
    {
        consumed = input.Start;
        return BodyFrameStatus.Complete;
    }

    private BodyFrameStatus FrameFixed<TWriter>(in ReadOnlySequence<byte> input, ref BufferWriter<TWriter> writer, bool write, IBodyObserver? observer, out SequencePosition consumed)
        where TWriter : class, IBufferWriter<byte>
    {
        long take = Math.Min(input.Length, _remaining);
        var data = input.Slice(0, take);
        consumed = data.End;
        if (take > 0)
        {
            if (_total + take > _limit)
            {
                return BodyFrameStatus.TooLarge;
            }

            if (write)
            {
                writer.Write(data);
            }

            observer?.OnBodyData(data);
            _total += take;
            _remaining -= take;
        }

        return _remaining == 0 ? BodyFrameStatus.Complete : BodyFrameStatus.NeedMoreData;
    }

    private BodyFrameStatus FrameChunked<TWriter>(in ReadOnlySequence<byte> input, ref BufferWriter<TWriter> writer, bool write, IBodyObserver? observer, out SequencePosition consumed)
        where TWriter : class, IBufferWriter<byte>
    {
        var reader = new SequenceReader<byte>(input);
        var result = BodyFrameStatus.NeedMoreData;
        while (true)
        {
            var status = _chunked.Read(ref reader, out var data, out var error);
            if (status == ChunkedStatus.Data)
            {
                _total += data.Length;
                if (_total > _limit)
                {
                    result = BodyFrameStatus.TooLarge;
                    break;
                }

                if (write)
                {
                    WritePiece(ref writer, data);
                }

                observer?.OnBodyData(data);
                continue;
            }

            if (status == ChunkedStatus.Complete)
            {
                if (write && _chunkedOutput)
                {
                    writer.Write("0\r\n\r\n"u8);
                }

                result = BodyFrameStatus.Complete;
            }
            else if (status == ChunkedStatus.Error)
            {
                _error = error;
                result = BodyFrameStatus.Invalid;
            }

            break;
        }

        consumed = reader.Position;
        return result;
    }

    private BodyFrameStatus FrameUntilClose<TWriter>(in ReadOnlySequence<byte> input, bool inputCompleted, ref BufferWriter<TWriter> writer, bool write, IBodyObserver? observer, out SequencePosition consumed)
        where TWriter : class, IBufferWriter<byte>
    {
        consumed = input.End;
        if (!input.IsEmpty)
        {
            _total += input.Length;
            if (_total > _limit)
            {
                return BodyFrameStatus.TooLarge;
            }

            if (write)
            {
                WritePiece(ref writer, input);
            }

            observer?.OnBodyData(input);
        }

        if (!inputCompleted)
        {
            return BodyFrameStatus.NeedMoreData;
        }

        if (write && _chunkedOutput)
        {
            writer.Write("0\r\n\r\n"u8);
        }

        return BodyFrameStatus.Complete;
    }

    private readonly void WritePiece<TWriter>(ref BufferWriter<TWriter> writer, in ReadOnlySequence<byte> data)
        where TWriter : class, IBufferWriter<byte>
    {
        if (_chunkedOutput)
        {
            writer.WriteHex(data.Length);
            writer.Write("\r\n"u8);
            writer.Write(data);
            writer.Write("\r\n"u8);
        }
        else
        {
            writer.Write(data);
        }
    }
}
