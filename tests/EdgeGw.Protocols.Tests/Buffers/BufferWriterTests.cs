using System.Globalization;
using System.Text;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Protocols.Tests.Infrastructure;

namespace EdgeGw.Protocols.Tests.Buffers;

public sealed class BufferWriterTests
{
    private static byte[] Pattern(int length) => Enumerable.Range(0, length).Select(i => (byte)('a' + i % 26)).ToArray();

    private static string Ascii(byte[] bytes) => Encoding.ASCII.GetString(bytes);

    // --- Write ----------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(64)]
    public void Write_SpanningSegmentBoundaries_CommitsEveryByteInOrder(int segmentSize)
    {
        byte[] data = Pattern(200);
        var output = new SmallSegmentWriter(segmentSize);
        var writer = new BufferWriter<SmallSegmentWriter>(output);

        // Runs of every length 0..19 so that runs start and end at every offset of a segment.
        int written = 0;
        for (int length = 0; written + length <= data.Length; length = (length + 1) % 20)
        {
            writer.Write(data.AsSpan(written, length));
            written += length;
            Assert.Equal(written, output.Committed.Length + writer.Buffered);
            if (written == data.Length)
            {
                break;
            }
        }

        writer.Write(data.AsSpan(written));
        writer.Commit();

        Assert.Equal(data, output.Committed);
        Assert.Equal(0, writer.Buffered);
        Assert.All(output.Advances, a => Assert.InRange(a, 1, segmentSize));
    }

    [Fact]
    public void Write_LongerThanTheSegment_FillsEverySegmentToItsEnd()
    {
        byte[] data = Pattern(10);
        var output = new SmallSegmentWriter(4);
        var writer = new BufferWriter<SmallSegmentWriter>(output);

        writer.Write(data);
        writer.Commit();

        Assert.Equal(data, output.Committed);
        Assert.Equal([4, 4, 2], output.Advances);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void WriteByte_AcrossSegmentBoundaries_KeepsTheOrder(int segmentSize)
    {
        byte[] data = Pattern(11);
        var output = new SmallSegmentWriter(segmentSize);
        var writer = new BufferWriter<SmallSegmentWriter>(output);

        foreach (byte b in data)
        {
            writer.WriteByte(b);
        }

        writer.Commit();
        Assert.Equal(data, output.Committed);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(1000)]
    public void WriteSequence_OfManySegments_WritesThemInOrder(int segmentSize)
    {
        byte[] data = Pattern(50);
        var sequence = Segments.Split(data, 1, 2, 7, 8, 30, 49);
        Assert.False(sequence.IsSingleSegment);
        var output = new SmallSegmentWriter(segmentSize);
        var writer = new BufferWriter<SmallSegmentWriter>(output);

        writer.Write(sequence);
        writer.Commit();

        Assert.Equal(data, output.Committed);
    }

    // --- numbers --------------------------------------------------------------------------------------------

    /// <summary>0, both ends of every digit count 1-19, long.MaxValue, and the same negated, with long.MinValue.</summary>
    public static TheoryData<long> Numbers()
    {
        var data = new TheoryData<long> { 0, long.MinValue };
        long power = 1;
        for (int digits = 1; digits <= 19; digits++)
        {
            long largest = digits == 19 ? long.MaxValue : power * 10 - 1;
            foreach (long value in new[] { power, largest })
            {
                data.Add(value);
                data.Add(-value);
            }

            power = digits == 19 ? power : power * 10;
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Numbers))]
    public void WriteNumber_WritesTheDecimalDigits_WhereverTheSegmentEnds(long value)
    {
        string expected = value.ToString(CultureInfo.InvariantCulture);
        for (int before = 0; before <= 24; before++)
        {
            var output = new SmallSegmentWriter(24);
            var writer = new BufferWriter<SmallSegmentWriter>(output);
            byte[] prefix = Pattern(before);

            writer.Write(prefix);
            writer.WriteNumber(value);
            writer.WriteByte((byte)'|');
            writer.Commit();

            Assert.Equal(Ascii(prefix) + expected + "|", Ascii(output.Committed));
        }
    }

    [Fact]
    public void WriteNumber_AsksForRoomForTheLongestNumber_OnlyWhenTheSpanIsShort()
    {
        var output = new SmallSegmentWriter(24);
        var writer = new BufferWriter<SmallSegmentWriter>(output);

        writer.WriteNumber(long.MinValue); // 20 characters fit in the first 24-byte segment
        Assert.Equal([0], output.SizeHints);
        writer.WriteNumber(7); // 4 bytes left: commits the 20 and asks for 20
        Assert.Equal([0, 20], output.SizeHints);
        Assert.Equal([20], output.Advances);
        writer.Commit();

        Assert.Equal(long.MinValue.ToString(CultureInfo.InvariantCulture) + "7", Ascii(output.Committed));
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(0x9L)]
    [InlineData(0xAL)]
    [InlineData(0xFFL)]
    [InlineData(0x100L)]
    [InlineData(0x7FFF_FFFFL)]
    [InlineData(0x1_0000_0000L)]
    [InlineData(long.MaxValue)]
    public void WriteHex_WritesUpperCaseHexDigits(long value)
    {
        var output = new SmallSegmentWriter(3);
        var writer = new BufferWriter<SmallSegmentWriter>(output);

        writer.Write("x"u8);
        writer.WriteHex(value);
        writer.Commit();

        Assert.Equal("x" + value.ToString("X", CultureInfo.InvariantCulture), Ascii(output.Committed));
    }

    // --- headers --------------------------------------------------------------------------------------------

    [Theory]
    [InlineData("Content-Length", "12")]
    [InlineData("X-Empty", "")]
    [InlineData("Cache-Control", "public, max-age=60, stale-while-revalidate=30")]
    public void WriteHeader_WritesNameColonSpaceValueCrlf_AcrossSegments(string name, string value)
    {
        foreach (int segmentSize in new[] { 1, 2, 5, 256 })
        {
            var output = new SmallSegmentWriter(segmentSize);
            var writer = new BufferWriter<SmallSegmentWriter>(output);

            writer.WriteHeader(Encoding.ASCII.GetBytes(name), Encoding.ASCII.GetBytes(value));
            writer.WriteHeader("Server"u8, "edgegw"u8);
            writer.Commit();

            Assert.Equal($"{name}: {value}\r\nServer: edgegw\r\n", Ascii(output.Committed));
        }
    }

    // --- Commit ---------------------------------------------------------------------------------------------

    [Fact]
    public void Commit_IsWhenBytesReachTheOutput_InOneAdvance()
    {
        var output = new SmallSegmentWriter(64);
        var writer = new BufferWriter<SmallSegmentWriter>(output);

        writer.Write("HTTP/1.1 200 OK\r\n"u8);
        writer.WriteHeader("Content-Length"u8, "0"u8);
        writer.Write("\r\n"u8);
        Assert.Empty(output.Committed);
        Assert.Equal(17 + 19 + 2, writer.Buffered);

        writer.Commit();
        Assert.Equal("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", Ascii(output.Committed));
        Assert.Equal([38], output.Advances);
        Assert.Equal(0, writer.Buffered);
    }

    [Fact]
    public void Commit_WithNothingBuffered_DoesNotAdvance()
    {
        var output = new SmallSegmentWriter(8);
        var writer = new BufferWriter<SmallSegmentWriter>(output);

        writer.Commit();
        writer.Write("abc"u8);
        writer.Commit();
        writer.Commit();

        Assert.Equal([3], output.Advances);
        Assert.Equal("abc", Ascii(output.Committed));
    }

    [Fact]
    public void Write_AfterCommit_GoesOnInAFreshSpan()
    {
        var output = new SmallSegmentWriter(8);
        var writer = new BufferWriter<SmallSegmentWriter>(output);

        writer.Write("abc"u8);
        writer.Commit();
        writer.Write("de"u8);
        writer.WriteByte((byte)'f');
        writer.WriteNumber(42);
        writer.Commit();

        // WriteNumber wants 20 bytes and the second 8-byte span has 5 left: "def" goes first.
        Assert.Equal("abcdef42", Ascii(output.Committed));
        Assert.Equal([3, 3, 2], output.Advances);
    }

    [Fact]
    public void Ensure_CommitsWhatIsBuffered_AndGetsARunOfAtLeastTheCount()
    {
        var output = new SmallSegmentWriter(4);
        var writer = new BufferWriter<SmallSegmentWriter>(output);

        writer.Write("ab"u8);
        writer.Ensure(2); // 2 left: nothing to do
        Assert.Empty(output.Advances);
        writer.Ensure(10);
        Assert.Equal([2], output.Advances);
        Assert.Equal(10, output.SizeHints[^1]);

        writer.Write("0123456789"u8); // fits the run Ensure obtained: one Advance of 10
        writer.Commit();
        Assert.Equal([2, 10], output.Advances);
        Assert.Equal("ab0123456789", Ascii(output.Committed));
    }
}
