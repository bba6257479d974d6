using System.Buffers;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Conformance.Tests.Infrastructure;

internal enum MessageKind
{
    Request,
    Response,
}

/// <summary>One message the driver framed completely.</summary>
internal readonly record struct FramedMessage(long Start, long HeadLength, long BodyLength, long End);

/// <summary>What the gateway's framing made of a byte stream.</summary>
internal sealed record DriveResult(IReadOnlyList<FramedMessage> Messages, HttpParseError Error, string? Rejection, bool Incomplete)
{
    /// <summary>A Host field was supplied for an HTTP/1.1 request that had none (see <see cref="MessageDriver.Drive"/>).</summary>
    public bool HostAdded { get; init; }

    public bool Rejected => Rejection is not null;

    public long BodyBytes
    {
        get
        {
            long total = 0;
            foreach (var message in Messages)
            {
                total += message.BodyLength;
            }

            return total;
        }
    }

    public override string ToString() =>
        Rejected ? $"rejected after {Messages.Count} message(s): {Rejection}" : $"accepted {Messages.Count} message(s), {BodyBytes} body bytes{(Incomplete ? ", last incomplete" : "")}";
}

/// <summary>
/// Frames a stream of HTTP/1.1 messages exactly as the gateway does — head scanner, strict parser, then a
/// Content-Length count or the chunked decoder — and reports where each message ends or why the stream was
/// rejected. The input arrives in pieces cut at <c>cuts</c>, and each piece is scanned as it arrives.
/// </summary>
internal static class MessageDriver
{
    private static readonly HeadLimits Limits = HeadLimits.Default;

    /// <param name="addMissingHost">
    /// Supply <c>Host</c> to an HTTP/1.1 request without one before framing it. For corpora written for parsers
    /// that leave Host to the application: the gateway's own 400 for a missing Host is tested separately.
    /// </param>
    public static DriveResult Drive(byte[] input, MessageKind kind, bool endOfInput, int[] cuts, bool addMissingHost = false)
    {
        bool hostAdded = false;
        var whole = Split(input, cuts);
        var messages = new List<FramedMessage>();
        long position = 0;
        while (position < input.Length)
        {
            // Head: scan as the bytes arrive (at each cut), as a connection would.
            var scanner = new HeadScanner();
            long headLength = 0;
            var status = HeadScanStatus.NeedMoreData;
            HttpParseError error = HttpParseError.None;
            foreach (long arrival in Arrivals(cuts, position, input.Length))
            {
                status = scanner.Scan(whole.Slice(position, arrival - position), Limits, out headLength, out error);
                if (status != HeadScanStatus.NeedMoreData)
                {
                    break;
                }
            }

            if (status == HeadScanStatus.Error)
            {
                return new DriveResult(messages, error, $"head: {error}", false);
            }

            if (status == HeadScanStatus.NeedMoreData)
            {
                return new DriveResult(messages, HttpParseError.None, null, true) { HostAdded = hostAdded };
            }

            long headStart = position + scanner.HeadStart;
            var head = whole.Slice(headStart, headLength).ToArray();
            BodyKind body;
            long contentLength;
            bool keepAlive;
            var handler = new NullHeadersHandler();
            if (kind == MessageKind.Request)
            {
                error = HttpRequestParser.Parse(head, ref handler, out var request);
                if (error == HttpParseError.MissingHost && addMissingHost)
                {
                    int lineEnd = Array.IndexOf(head, (byte)'\n') + 1;
                    head = [.. head[..lineEnd], .. "Host: example.com\r\n"u8, .. head[lineEnd..]];
                    error = HttpRequestParser.Parse(head, ref handler, out request);
                    hostAdded = true;
                }

                (body, contentLength, keepAlive) = (request.Body, request.ContentLength, request.KeepAlive);
            }
            else
            {
                error = HttpResponseParser.Parse(head, HttpMethod.Get, ref handler, out var response);
                (body, contentLength, keepAlive) = (response.Body, response.ContentLength, response.KeepAlive);
                if (error == HttpParseError.None && response.IsInformational)
                {
                    body = BodyKind.None;
                }
            }

            if (error != HttpParseError.None)
            {
                return new DriveResult(messages, error, $"parse: {error} ({error.ToStatusCode()})", false);
            }

            long bodyStart = headStart + headLength;
            long bodyLength;
            long end;
            switch (body)
            {
                case BodyKind.None:
                    bodyLength = 0;
                    end = bodyStart;
                    break;
                case BodyKind.ContentLength:
                    if (input.Length - bodyStart < contentLength)
                    {
                        return new DriveResult(messages, HttpParseError.None, null, true) { HostAdded = hostAdded };
                    }

                    bodyLength = contentLength;
                    end = bodyStart + contentLength;
                    break;
                case BodyKind.Chunked:
                    var chunked = DecodeChunked(whole.Slice(bodyStart), cuts, bodyStart);
                    if (chunked.Error != HttpParseError.None)
                    {
                        return new DriveResult(messages, chunked.Error, $"chunked body: {chunked.Error}", false);
                    }

                    if (!chunked.Complete)
                    {
                        return new DriveResult(messages, HttpParseError.None, null, true) { HostAdded = hostAdded };
                    }

                    bodyLength = chunked.DataBytes;
                    end = bodyStart + chunked.Consumed;
                    break;
                default:
                    // Close-delimited (responses only): the message ends only when the peer closes.
                    if (!endOfInput)
                    {
                        return new DriveResult(messages, HttpParseError.None, null, true) { HostAdded = hostAdded };
                    }

                    bodyLength = input.Length - bodyStart;
                    end = input.Length;
                    break;
            }

            messages.Add(new FramedMessage(position, headLength, bodyLength, end));
            position = end;
            if (!keepAlive && position < input.Length)
            {
                // The gateway closes after a non-persistent message: bytes after it are never processed.
                return new DriveResult(messages, HttpParseError.None, "data after a message that closes the connection", false) { HostAdded = hostAdded };
            }
        }

        return new DriveResult(messages, HttpParseError.None, null, false) { HostAdded = hostAdded };
    }

    private static (bool Complete, HttpParseError Error, long DataBytes, long Consumed) DecodeChunked(ReadOnlySequence<byte> body, int[] cuts, long offset)
    {
        var decoder = new ChunkedDecoder(Limits.MaxHeaderBytes);
        long consumed = 0;
        long data = 0;
        foreach (long arrival in Arrivals(cuts, offset, offset + body.Length))
        {
            var reader = new SequenceReader<byte>(body.Slice(consumed, arrival - offset - consumed));
            while (true)
            {
                var status = decoder.Read(ref reader, out var chunk, out var error);
                if (status == ChunkedStatus.Data)
                {
                    data += chunk.Length;
                    continue;
                }

                consumed += reader.Consumed;
                if (status == ChunkedStatus.Complete)
                {
                    return (true, HttpParseError.None, data, consumed);
                }

                if (status == ChunkedStatus.Error)
                {
                    return (false, error, data, consumed);
                }

                break;
            }
        }

        return (false, HttpParseError.None, data, consumed);
    }

    /// <summary>
    /// The stream offsets at which more bytes "arrive" after <paramref name="from"/>: each cut beyond the previous
    /// arrival, then the end (a cut behind an earlier one is ignored, as <see cref="Split"/> does).
    /// </summary>
    private static IEnumerable<long> Arrivals(int[] cuts, long from, long end)
    {
        foreach (int cut in cuts)
        {
            if (cut > from && cut < end)
            {
                yield return cut;
                from = cut;
            }
        }

        yield return end;
    }

    private static ReadOnlySequence<byte> Split(byte[] data, int[] cuts)
    {
        Segment? first = null;
        Segment? last = null;
        int start = 0;
        foreach (int cut in cuts.Append(data.Length))
        {
            if (cut <= start || cut > data.Length)
            {
                continue;
            }

            var segment = new Segment(data.AsMemory(start, cut - start).ToArray(), last);
            first ??= segment;
            last = segment;
            start = cut;
        }

        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] data, Segment? previous)
        {
            Memory = data;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }
}
