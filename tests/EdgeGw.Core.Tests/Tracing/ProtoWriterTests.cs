using EdgeGw.Core.Tracing;

namespace EdgeGw.Core.Tests.Tracing;

/// <summary>The protobuf wire encodings the OTLP encoder writes (the functional tests decode whole requests with Google.Protobuf).</summary>
public sealed class ProtoWriterTests
{
    [Theory]
    [InlineData(0, new byte[] { 0x0A, 0x00 })]
    [InlineData(127, new byte[] { 0x0A, 0x7F })]
    [InlineData(128, new byte[] { 0x0A, 0x80, 0x01 })]
    [InlineData(200, new byte[] { 0x0A, 0xC8, 0x01 })]
    [InlineData(20_000, new byte[] { 0x0A, 0xA0, 0x9C, 0x01 })]
    [InlineData(3_000_000, new byte[] { 0x0A, 0xC0, 0x8D, 0xB7, 0x01 })]
    // prefix: a length-delimited field 1 of that length as protoc writes it (tag 0x0A, then the minimal varint).
    public void NestedMessage_LengthIsMinimal_AndTheBodyFollowsIt(int length, byte[] prefix)
    {
        var writer = new ProtoWriter(16);
        var body = new byte[length];
        new Random(length).NextBytes(body);

        int mark = writer.Begin(1);
        writer.Bytes(2, body); // field 2 inside: tag + its own length + body
        writer.End(mark);

        var written = writer.Written.Span;
        int inner = 1 + VarintSize(length) + length;
        Assert.Equal(1 + VarintSize(inner) + inner, written.Length);
        Assert.Equal(0x0A, written[0]);
        Assert.Equal((ulong)inner, ReadVarint(written[1..], out int used));
        Assert.Equal(0x12, written[1 + used]);
        Assert.Equal(prefix[1..], written.Slice(2 + used, prefix.Length - 1).ToArray()); // the inner field's length
        Assert.True(written[^length..].SequenceEqual(body));
    }

    [Fact]
    public void Scalars_AreTheirWireTypes()
    {
        var writer = new ProtoWriter();

        writer.Varint(6, 2);
        writer.Fixed64(7, 0x0102030405060708);
        writer.Fixed32(16, 0x301);
        writer.Id(2, 0x00f067aa0ba902b7);
        writer.String(5, "é");

        Assert.Equal(new byte[]
        {
            0x30, 0x02,
            0x39, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01,
            0x85, 0x01, 0x01, 0x03, 0x00, 0x00,
            0x12, 0x08, 0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7,
            0x2A, 0x02, 0xC3, 0xA9,
        }, writer.Written.ToArray());
    }

    private static int VarintSize(int value) => value < 1 << 7 ? 1 : value < 1 << 14 ? 2 : value < 1 << 21 ? 3 : value < 1 << 28 ? 4 : 5;

    private static ulong ReadVarint(ReadOnlySpan<byte> bytes, out int used)
    {
        ulong value = 0;
        for (used = 0; ; used++)
        {
            value |= (ulong)(bytes[used] & 0x7F) << (7 * used);
            if ((bytes[used] & 0x80) == 0)
            {
                used++;
                return value;
            }
        }
    }
}
