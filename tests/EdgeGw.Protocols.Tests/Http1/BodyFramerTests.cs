using System.Buffers;
using System.Text;
using EdgeGw.Protocols.Http1;
using EdgeGw.Protocols.Tests.Infrastructure;

namespace EdgeGw.Protocols.Tests.Http1;

public sealed class BodyFramerTests
{
    private const string Next = "GET /next HTTP/1.1\r\n";

    /// <summary>Feeds the bytes as a pipe would: each arrival extends the buffer, which starts at the unconsumed data.</summary>
    private static (BodyFrameStatus Status, string Output, string Observed, long Consumed, long Total) Frame(
        byte[] input, int[] arrivals, int[] cuts, BodyKind kind, long contentLength, bool chunkedOutput, long limit = long.MaxValue, bool endOfInput = false)
    {
        var whole = Segments.Split(input, cuts);
        var framer = new BodyFramer(kind, contentLength, chunkedOutput, limit, maxTrailerBytes: 1024);
        var output = new ArrayBufferWriter<byte>();
        var observer = new Recorder();
        long consumed = 0;
        var status = BodyFrameStatus.NeedMoreData;
        foreach (int arrival in arrivals.Where(a => a > 0 && a < input.Length).Append(input.Length))
        {
            if (arrival < consumed)
            {
                continue;
            }

            var buffer = whole.Slice(consumed, arrival - consumed);
            status = framer.Frame(buffer, endOfInput && arrival == input.Length, output, observer, out var position);
            consumed += buffer.Slice(0, position).Length;
            if (status != BodyFrameStatus.NeedMoreData)
            {
                break;
            }
        }

        return (status, Encoding.Latin1.GetString(output.WrittenSpan), observer.Text, consumed, framer.Total);
    }

    private sealed class Recorder : IBodyObserver
    {
        private readonly StringBuilder _seen = new();

        public string Text => _seen.ToString();

        public void OnBodyData(in ReadOnlySequence<byte> data) => _seen.Append(Encoding.Latin1.GetString(data.ToArray()));
    }

    [Fact]
    public void ContentLength_CopiesExactlyTheDeclaredBytes_AtEveryCutAndArrival_AndLeavesTheNextMessage()
    {
        const string body = "0123456789abcdef";
        var input = Segments.Ascii(body + Next);
        foreach (var cuts in Segments.AllCuts(input.Length, pairLimit: 40))
        {
            var result = Frame(input, [cuts[0]], cuts, BodyKind.ContentLength, body.Length, chunkedOutput: true);
            Assert.Equal(BodyFrameStatus.Complete, result.Status);
            Assert.Equal(body, result.Output);
            Assert.Equal(body, result.Observed);
            Assert.Equal(body.Length, result.Consumed);
            Assert.Equal(body.Length, result.Total);
        }
    }

    [Fact]
    public void ContentLength_CutShort_IsTruncated_WhenTheInputEnds()
    {
        var input = Segments.Ascii("01234");
        var result = Frame(input, [2], [], BodyKind.ContentLength, 10, chunkedOutput: false, endOfInput: true);
        Assert.Equal(BodyFrameStatus.Truncated, result.Status);
        Assert.Equal("01234", result.Output);
    }

    [Fact]
    public void ZeroLength_IsCompleteAtOnce_AndConsumesNothing()
    {
        var input = Segments.Ascii(Next);
        var result = Frame(input, [], [], BodyKind.ContentLength, 0, chunkedOutput: false);
        Assert.Equal(BodyFrameStatus.Complete, result.Status);
        Assert.Equal(0, result.Consumed);
        Assert.Equal("", result.Output);
    }

    public static TheoryData<string, string> Chunked => new()
    {
        { "5\r\nhello\r\n0\r\n\r\n", "hello" },
        { "3;ext=1\r\nabc\r\n4\r\ndefg\r\n0\r\nX-Trailer: t\r\n\r\n", "abcdefg" },
        { "0\r\n\r\n", "" },
    };

    [Theory]
    [MemberData(nameof(Chunked))]
    public void Chunked_Rechunked_CarriesThePayloadWithoutExtensionsOrTrailers_AtEveryCutAndArrival(string encoded, string payload)
    {
        var input = Segments.Ascii(encoded + Next);
        foreach (var cuts in Segments.AllCuts(input.Length, pairLimit: 40))
        {
            var result = Frame(input, [cuts[0]], cuts, BodyKind.Chunked, 0, chunkedOutput: true);
            Assert.Equal(BodyFrameStatus.Complete, result.Status);
            Assert.Equal(payload, result.Observed);
            Assert.Equal(encoded.Length, result.Consumed);
            Assert.Equal(payload, Dechunk(result.Output));
            Assert.DoesNotContain("ext", result.Output);
            Assert.DoesNotContain("X-Trailer", result.Output);
            Assert.EndsWith("0\r\n\r\n", result.Output);
        }
    }

    [Theory]
    [MemberData(nameof(Chunked))]
    public void Chunked_Raw_WritesOnlyThePayload(string encoded, string payload)
    {
        var input = Segments.Ascii(encoded);
        var result = Frame(input, [], [], BodyKind.Chunked, 0, chunkedOutput: false);
        Assert.Equal(BodyFrameStatus.Complete, result.Status);
        Assert.Equal(payload, result.Output);
    }

    [Fact]
    public void Chunked_OverTheLimit_IsTooLarge_BeforeTheExcessIsWritten()
    {
        var input = Segments.Ascii("4\r\nabcd\r\n4\r\nefgh\r\n0\r\n\r\n");
        var result = Frame(input, [], [], BodyKind.Chunked, 0, chunkedOutput: false, limit: 6);
        Assert.Equal(BodyFrameStatus.TooLarge, result.Status);
        Assert.Equal("abcd", result.Output);
    }

    [Fact]
    public void Chunked_Malformed_IsInvalid_WithTheDecodersError_AtEveryCut()
    {
        var input = Segments.Ascii("5\r\nhello\r\nZZ\r\n");
        foreach (var cuts in Segments.AllCuts(input.Length, pairLimit: 40))
        {
            var result = Frame(input, [cuts[0]], cuts, BodyKind.Chunked, 0, chunkedOutput: true);
            Assert.Equal(BodyFrameStatus.Invalid, result.Status);
        }

        var framer = new BodyFramer(BodyKind.Chunked, 0, false, long.MaxValue, 1024);
        framer.Frame<ArrayBufferWriter<byte>>(Segments.Split(input), false, null, null, out _);
        Assert.Equal(HttpParseError.InvalidChunkSize, framer.Error);
    }

    [Fact]
    public void CloseDelimited_RunsUntilTheInputEnds_ReChunkedForHttp11()
    {
        const string body = "streamed until close";
        var input = Segments.Ascii(body);
        foreach (var cuts in Segments.AllCuts(input.Length, pairLimit: 20))
        {
            var chunked = Frame(input, [cuts[0]], cuts, BodyKind.CloseDelimited, 0, chunkedOutput: true, endOfInput: true);
            Assert.Equal(BodyFrameStatus.Complete, chunked.Status);
            Assert.Equal(body, Dechunk(chunked.Output));
            Assert.Equal(body.Length, chunked.Total);

            var raw = Frame(input, [cuts[0]], cuts, BodyKind.CloseDelimited, 0, chunkedOutput: false, endOfInput: true);
            Assert.Equal(body, raw.Output);
        }

        var open = Frame(input, [], [], BodyKind.CloseDelimited, 0, chunkedOutput: false, endOfInput: false);
        Assert.Equal(BodyFrameStatus.NeedMoreData, open.Status);
    }

    [Fact]
    public void NoBody_IsCompleteWithoutConsuming()
    {
        var input = Segments.Ascii(Next);
        var framer = new BodyFramer(BodyKind.None, 0, true, long.MaxValue, 1024);
        var whole = Segments.Split(input);
        Assert.Equal(BodyFrameStatus.Complete, framer.Frame<ArrayBufferWriter<byte>>(whole, false, null, null, out var consumed));
        Assert.Equal(0, whole.Slice(0, consumed).Length);
    }

    /// <summary>An independent chunked decoder for checking the framer's output (sizes in hex, no extensions expected).</summary>
    private static string Dechunk(string encoded)
    {
        var payload = new StringBuilder();
        int i = 0;
        while (true)
        {
            int lineEnd = encoded.IndexOf("\r\n", i, StringComparison.Ordinal);
            int size = Convert.ToInt32(encoded[i..lineEnd], 16);
            i = lineEnd + 2;
            if (size == 0)
            {
                Assert.Equal("\r\n", encoded[i..]);
                return payload.ToString();
            }

            payload.Append(encoded, i, size);
            i += size;
            Assert.Equal("\r\n", encoded.Substring(i, 2));
            i += 2;
        }
    }
}
