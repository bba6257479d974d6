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
    /// <summary>A Host field was supplied for an HTTP/1.1 request that had none (see <see cref="WireDriver.Drive"/>).</summary>
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
/// Feeds a byte stream, in pieces cut at <c>cuts</c>, to the gateway's own HTTP/1 framing — <see cref="HeadReader"/>
/// for each head and <see cref="BodyFramer"/> for each body, the types every connection of the gateway uses — the
/// way a connection's pipe does (a buffer that grows at each arrival and is advanced past what was consumed),
/// and reports where each message ends or why the stream was rejected. No framing logic lives here.
/// </summary>
internal static class WireDriver
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
        var reader = new HeadReader();
        try
        {
            while (position < input.Length)
            {
                // Head: read as the bytes arrive (at each cut), as a connection would.
                reader.Reset();
                var status = HeadScanStatus.NeedMoreData;
                HttpParseError error = HttpParseError.None;
                long headEnd = 0;
                foreach (long arrival in Arrivals(cuts, position, input.Length))
                {
                    var buffer = whole.Slice(position, arrival - position);
                    status = reader.Read(buffer, Limits, out error);
                    if (status == HeadScanStatus.Complete)
                    {
                        headEnd = position + buffer.Slice(0, reader.HeadEnd).Length;
                    }

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

                long headLength = reader.Head.Length;
                BodyKind body;
                long contentLength;
                bool keepAlive;
                var handler = new NullHeadersHandler();
                if (kind == MessageKind.Request)
                {
                    error = reader.ParseRequest(ref handler, out var request);
                    if (error == HttpParseError.MissingHost && addMissingHost)
                    {
                        // Parsed on its own: the reader's head is what the gateway read, this copy is the corpus's fix-up.
                        var head = reader.Head.ToArray();
                        int lineEnd = Array.IndexOf(head, (byte)'\n') + 1;
                        head = [.. head[..lineEnd], .. "Host: example.com\r\n"u8, .. head[lineEnd..]];
                        error = HttpRequestParser.Parse(head, ref handler, out request);
                        hostAdded = true;
                    }

                    (body, contentLength, keepAlive) = (request.Body, request.ContentLength, request.KeepAlive);
                }
                else
                {
                    error = reader.ParseResponse(HttpMethod.Get, ref handler, out var response);
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

                var framed = FrameBody(whole, headEnd, body, contentLength, endOfInput, cuts);
                if (framed.Status == BodyFrameStatus.Invalid)
                {
                    return new DriveResult(messages, framed.Error, $"chunked body: {framed.Error}", false);
                }

                if (framed.Status != BodyFrameStatus.Complete)
                {
                    return new DriveResult(messages, HttpParseError.None, null, true) { HostAdded = hostAdded };
                }

                messages.Add(new FramedMessage(position, headLength, framed.DataBytes, framed.End));
                position = framed.End;
                if (!keepAlive && position < input.Length)
                {
                    // The gateway closes after a non-persistent message: bytes after it are never processed.
                    return new DriveResult(messages, HttpParseError.None, "data after a message that closes the connection", false) { HostAdded = hostAdded };
                }
            }

            return new DriveResult(messages, HttpParseError.None, null, false) { HostAdded = hostAdded };
        }
        finally
        {
            reader.ReturnBuffer();
        }
    }

    /// <summary>Frames one body from <paramref name="start"/>, advancing past what each arrival consumed, as a pipe reader does.</summary>
    private static (BodyFrameStatus Status, HttpParseError Error, long DataBytes, long End) FrameBody(in ReadOnlySequence<byte> whole, long start, BodyKind kind, long contentLength, bool endOfInput, int[] cuts)
    {
        var framer = new BodyFramer(kind, contentLength, chunkedOutput: false, long.MaxValue, Limits.MaxHeaderBytes);
        long consumed = start;
        var status = BodyFrameStatus.NeedMoreData;
        foreach (long arrival in Arrivals(cuts, start, whole.Length))
        {
            var buffer = whole.Slice(consumed, arrival - consumed);
            bool completed = endOfInput && arrival == whole.Length;
            status = framer.Frame<ArrayBufferWriter<byte>>(buffer, completed, null, null, out var position);
            consumed += buffer.Slice(0, position).Length;
            if (status != BodyFrameStatus.NeedMoreData)
            {
                break;
            }
        }

        if (kind == BodyKind.None)
        {
            status = BodyFrameStatus.Complete;
        }

        return (status, framer.Error, framer.Total, consumed);
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
