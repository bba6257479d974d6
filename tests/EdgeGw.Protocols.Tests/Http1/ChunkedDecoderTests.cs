using System.Buffers;
using System.Text;
using EdgeGw.Protocols.Http1;
using EdgeGw.Protocols.Tests.Infrastructure;

namespace EdgeGw.Protocols.Tests.Http1;

public sealed class ChunkedDecoderTests
{
    private const string Next = "NEXT";

    public static TheoryData<string, string> Valid => new()
    {
        { "5\r\nhello\r\n0\r\n\r\n", "hello" },
        { "0\r\n\r\n", "" },
        { "3\r\nabc\r\n4\r\ndefg\r\n1\r\nh\r\n0\r\n\r\n", "abcdefgh" },
        { "A\r\n0123456789\r\n0\r\n\r\n", "0123456789" },
        { "a\r\n0123456789\r\n0\r\n\r\n", "0123456789" },
        { "0005\r\nhello\r\n000\r\n\r\n", "hello" },
        { "5;name=value;flag\r\nhello\r\n0;last\r\n\r\n", "hello" },
        { "5;name=\"quoted; value\"\r\nhello\r\n0\r\n\r\n", "hello" },
        { "5 ;ext\r\nhello\r\n0\r\n\r\n", "hello" },
        { "5 ; a = b ; c = \"d\\\"e\" ;f\r\nhello\r\n0\r\n\r\n", "hello" },
        { "5;a=\"\u00e9;\t\"\r\nhello\r\n0\r\n\r\n", "hello" },
        { "5\t;ext\r\nhello\r\n0\r\n\r\n", "hello" },
        { "5\r\nhello\r\n0\r\nX-Checksum: abc\r\nX-Other:\r\n\r\n", "hello" },
        { "00000000000000F\r\n0123456789abcde\r\n0\r\n\r\n", "0123456789abcde" },
        { "2\r\n\r\n\r\n0\r\n\r\n", "\r\n" },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Valid_DecodesTheSamePayload_AtEveryCutAndArrival_AndStopsAtTheMessageEnd(string encoded, string payload)
    {
        var input = Segments.Ascii(encoded + Next);
        foreach (var cuts in Segments.AllCuts(input.Length, pairLimit: 40))
        {
            var result = Decode(input, [cuts[0]], cuts);
            Assert.Equal(ChunkedStatus.Complete, result.Status);
            Assert.Equal(payload, result.Payload);
            Assert.Equal(encoded.Length, result.Consumed);
        }
    }

    [Theory]
    [MemberData(nameof(Valid))]
    public void Valid_DecodesTheSamePayload_FedOneByteAtATime(string encoded, string payload)
    {
        var input = Segments.Ascii(encoded + Next);
        var result = Decode(input, Enumerable.Range(1, input.Length).ToArray(), []);
        Assert.Equal((ChunkedStatus.Complete, payload, (long)encoded.Length), (result.Status, result.Payload, result.Consumed));
    }

    [Theory]
    [InlineData("g\r\n", HttpParseError.InvalidChunkSize)]
    [InlineData("\r\n", HttpParseError.InvalidChunkSize)]
    [InlineData("-5\r\nhello\r\n", HttpParseError.InvalidChunkSize)]
    [InlineData("+5\r\nhello\r\n", HttpParseError.InvalidChunkSize)]
    [InlineData("0x5\r\nhello\r\n", HttpParseError.InvalidChunkSize)]
    [InlineData("5\nhello\r\n0\r\n\r\n", HttpParseError.InvalidChunkSize)]
    [InlineData("5\rhello\r\n0\r\n\r\n", HttpParseError.InvalidChunkSize)]
    [InlineData("5 \r\nhello\r\n0\r\n\r\n", HttpParseError.InvalidChunkSize)]
    [InlineData(" 5\r\nhello\r\n0\r\n\r\n", HttpParseError.InvalidChunkSize)]
    [InlineData("1000000000000000\r\n", HttpParseError.InvalidChunkSize)]
    [InlineData("ffffffffffffffffff\r\n", HttpParseError.InvalidChunkSize)]
    [InlineData("0000000000000005\r\nhello\r\n", HttpParseError.InvalidChunkSize)]
    [InlineData("5\r\nhelloX\r\n0\r\n\r\n", HttpParseError.InvalidChunkTerminator)]
    [InlineData("5\r\nhello\n0\r\n\r\n", HttpParseError.InvalidChunkTerminator)]
    [InlineData("5\r\nhello\r0\r\n\r\n", HttpParseError.InvalidChunkTerminator)]
    [InlineData("5;a\u0000b\r\nhello\r\n0\r\n\r\n", HttpParseError.InvalidChunkExtension)]
    [InlineData("5;a\nb\r\nhello\r\n0\r\n\r\n", HttpParseError.InvalidChunkExtension)]
    [InlineData("2;\r\naa\r\n0\r\n\r\n", HttpParseError.InvalidChunkExtension)]
    [InlineData("5;a=\"b\r\nhello\r\n0\r\n\r\n", HttpParseError.InvalidChunkExtension)]
    [InlineData("5;a \r\nhello\r\n0\r\n\r\n", HttpParseError.InvalidChunkExtension)]
    [InlineData("5;a=b \r\nhello\r\n0\r\n\r\n", HttpParseError.InvalidChunkExtension)]
    [InlineData("5;=b\r\nhello\r\n0\r\n\r\n", HttpParseError.InvalidChunkExtension)]
    [InlineData("5;a=b c\r\nhello\r\n0\r\n\r\n", HttpParseError.InvalidChunkExtension)]
    [InlineData("5;a=\r\nhello\r\n0\r\n\r\n", HttpParseError.InvalidChunkExtension)]
    [InlineData("5;a=\"b\"c\r\nhello\r\n0\r\n\r\n", HttpParseError.InvalidChunkExtension)]
    [InlineData("0\r\n folded: x\r\n\r\n", HttpParseError.InvalidTrailer)]
    [InlineData("0\r\nNoColon\r\n\r\n", HttpParseError.InvalidTrailer)]
    [InlineData("0\r\nBad Name: x\r\n\r\n", HttpParseError.InvalidTrailer)]
    [InlineData("0\r\nX: a\u0001b\r\n\r\n", HttpParseError.InvalidTrailer)]
    [InlineData("0\r\nX: a\nY: b\r\n\r\n", HttpParseError.InvalidTrailer)]
    [InlineData("0\r\n\rX", HttpParseError.InvalidTrailer)]
    public void Invalid_IsRejected_AtEveryCut(string encoded, HttpParseError expected)
    {
        var input = Segments.Ascii(encoded);
        foreach (var cuts in Segments.AllCuts(input.Length, pairLimit: 30))
        {
            var result = Decode(input, [cuts[0]], cuts);
            Assert.Equal((ChunkedStatus.Error, expected), (result.Status, result.Error));
        }

        var trickled = Decode(input, Enumerable.Range(1, input.Length).ToArray(), []);
        Assert.Equal((ChunkedStatus.Error, expected), (trickled.Status, trickled.Error));
    }

    [Fact]
    public void ChunkLine_LongerThanTheLimit_IsRejected()
    {
        string extension = ";x=" + new string('a', ChunkedDecoder.MaxChunkLineBytes);
        // The limit holds inside a quoted string too.
        var quoted = Decode(Segments.Ascii("5;x=\"" + new string('a', ChunkedDecoder.MaxChunkLineBytes) + "\"\r\nhello\r\n0\r\n\r\n"), [], []);
        Assert.Equal((ChunkedStatus.Error, HttpParseError.InvalidChunkExtension), (quoted.Status, quoted.Error));
        var result = Decode(Segments.Ascii("5" + extension + "\r\nhello\r\n0\r\n\r\n"), [], []);
        Assert.Equal((ChunkedStatus.Error, HttpParseError.InvalidChunkExtension), (result.Status, result.Error));

        string fits = ";x=" + new string('a', ChunkedDecoder.MaxChunkLineBytes - 10);
        Assert.Equal(ChunkedStatus.Complete, Decode(Segments.Ascii("5" + fits + "\r\nhello\r\n0\r\n\r\n"), [], []).Status);
    }

    [Fact]
    public void TrailerSection_OverItsLimit_IsRejected()
    {
        string trailers = "0\r\nX-A: " + new string('v', 60) + "\r\n\r\n";
        Assert.Equal(ChunkedStatus.Complete, Decode(Segments.Ascii(trailers), [], [], maxTrailerBytes: 100).Status);
        var result = Decode(Segments.Ascii(trailers), [], [], maxTrailerBytes: 40);
        Assert.Equal((ChunkedStatus.Error, HttpParseError.TrailerTooLarge), (result.Status, result.Error));
    }

    [Fact]
    public void IncompleteBody_NeedsMoreData_AtEveryPrefix()
    {
        const string encoded = "5;e=1\r\nhello\r\n0\r\nX: y\r\n\r\n";
        var input = Segments.Ascii(encoded);
        for (int n = 0; n < input.Length; n++)
        {
            Assert.Equal(ChunkedStatus.NeedMoreData, Decode(input[..n], [], [n / 2]).Status);
        }
    }

    [Fact]
    public void Decode_AllocatesNothing()
    {
        var input = new ReadOnlySequence<byte>(Segments.Ascii("5;e=1\r\nhello\r\n6\r\n world\r\n0\r\nX: y\r\n\r\n"));
        long sink = 0;
        for (int round = 0; round < 1001; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            var decoder = new ChunkedDecoder(1024);
            var reader = new SequenceReader<byte>(input);
            while (decoder.Read(ref reader, out var data, out _) == ChunkedStatus.Data)
            {
                sink += data.Length;
            }

            if (round > 0)
            {
                Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
            }
        }

        Assert.Equal(11 * 1001, sink);
    }

    private readonly record struct DecodeResult(ChunkedStatus Status, HttpParseError Error, string Payload, long Consumed);

    /// <summary>
    /// Decodes as a connection would: bytes become available at each offset in <paramref name="arrivals"/> (then
    /// all of them), the buffer is cut into segments at <paramref name="cuts"/>, and decoding resumes where it
    /// stopped.
    /// </summary>
    private static DecodeResult Decode(byte[] input, int[] arrivals, int[] cuts, int maxTrailerBytes = 1024)
    {
        var decoder = new ChunkedDecoder(maxTrailerBytes);
        var whole = Segments.Split(input, cuts);
        var payload = new StringBuilder();
        long consumed = 0;
        foreach (int available in arrivals.Where(a => a > 0 && a < input.Length).Append(input.Length))
        {
            if (available < consumed)
            {
                continue;
            }

            var reader = new SequenceReader<byte>(whole.Slice(consumed, available - consumed));
            while (true)
            {
                var status = decoder.Read(ref reader, out var data, out var error);
                if (status == ChunkedStatus.Data)
                {
                    payload.Append(Encoding.Latin1.GetString(data.ToArray()));
                    continue;
                }

                consumed += reader.Consumed;
                if (status != ChunkedStatus.NeedMoreData)
                {
                    return new DecodeResult(status, error, payload.ToString(), consumed);
                }

                break;
            }
        }

        return new DecodeResult(ChunkedStatus.NeedMoreData, HttpParseError.None, payload.ToString(), consumed);
    }
}
