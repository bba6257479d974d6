using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using EdgeGw.Protocols.WebSockets;

namespace EdgeGw.Protocols.Tests.WebSockets;

public sealed class WebSocketPrimitivesTests
{
    [Fact]
    public void Mask_MatchesTheBytewiseDefinition_ForEveryLengthAndOffset()
    {
        var random = new Random(6455);
        for (int length = 0; length <= 200; length++)
        {
            var data = new byte[length + 3];
            random.NextBytes(data);
            uint key = (uint)random.Next() ^ 0x80000000u;
            for (int offset = 0; offset < 3; offset++)
            {
                var expected = data.AsSpan(offset, length).ToArray();
                var keyBytes = new byte[4];
                BinaryPrimitives.WriteUInt32BigEndian(keyBytes, key);
                for (int i = 0; i < expected.Length; i++)
                {
                    expected[i] ^= keyBytes[i % 4];
                }

                var actual = data.AsSpan(offset, length).ToArray();
                WebSocketMask.Apply(actual, key);
                Assert.Equal(expected, actual);
            }
        }
    }

    [Fact]
    public void Accept_IsTheRfcValue_AndMatchesSha1OfKeyAndGuid()
    {
        Span<byte> accept = stackalloc byte[WebSocketHandshake.AcceptLength];
        // RFC 6455 §1.3 gives this key and its accept value as the worked example.
        Assert.True(WebSocketHandshake.TryComputeAccept("dGhlIHNhbXBsZSBub25jZQ=="u8, accept));
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", Encoding.ASCII.GetString(accept));

        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        Assert.True(WebSocketHandshake.TryComputeAccept(Encoding.ASCII.GetBytes(key), accept));
        var expected = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
        Assert.Equal(expected, Encoding.ASCII.GetString(accept));
    }

    [Theory]
    [InlineData("")]
    [InlineData("dGhlIHNhbXBsZSBub25jZQ=")]
    [InlineData("dGhlIHNhbXBsZSBub25jZQ===")]
    [InlineData("dGhlIHNhbXBsZSBub25jZ!==")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAA")]
    public void Accept_RefusesKeysThatAreNotBase64Of16Bytes(string key)
    {
        Span<byte> accept = stackalloc byte[WebSocketHandshake.AcceptLength];
        Assert.False(WebSocketHandshake.TryComputeAccept(Encoding.ASCII.GetBytes(key), accept));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(125)]
    [InlineData(126)]
    [InlineData(65_535)]
    [InlineData(65_536)]
    public void FrameHeader_UsesTheShortestLengthEncoding_AndIsUnmasked(int length)
    {
        Span<byte> header = stackalloc byte[WebSocketFrameWriter.MaxHeaderLength];
        int written = WebSocketFrameWriter.WriteHeader(header, WebSocketOpcode.Binary, fin: true, length);
        Assert.Equal(length < 126 ? 2 : length <= 65_535 ? 4 : 10, written);
        Assert.Equal(0x82, header[0]);
        Assert.Equal(0, header[1] & 0x80);
        long decoded = (header[1] & 0x7F) switch
        {
            126 => BinaryPrimitives.ReadUInt16BigEndian(header[2..]),
            127 => (long)BinaryPrimitives.ReadUInt64BigEndian(header[2..]),
            var small => small,
        };
        Assert.Equal(length, decoded);
    }

    [Fact]
    public void CloseFrame_CarriesCodeAndReason_OrNothingForNoStatus()
    {
        Span<byte> frame = stackalloc byte[WebSocketFrameWriter.MaxHeaderLength + 125];
        int written = WebSocketFrameWriter.WriteClose(frame, 1009, "too big"u8);
        Assert.Equal([0x88, 9, 0x03, 0xF1, .. "too big"u8.ToArray()], frame[..written].ToArray());
        Assert.Equal([0x88, 0], frame[..WebSocketFrameWriter.WriteClose(frame, WebSocketCloseCode.NoStatus, default)].ToArray());
    }

    public static TheoryData<string> ValidTexts => new() { "", "plain ascii", "héllo", "€ and 𝄞", "κόσμε", "\uFFFF\u0080\u07FF\u0800" };

    [Theory]
    [MemberData(nameof(ValidTexts))]
    public void Utf8Prefix_OfAValidText_IsValid_WithTheCutCharacterAsTail(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        for (int cut = 0; cut <= bytes.Length; cut++)
        {
            Assert.True(Utf8Validation.TryValidatePrefix(bytes.AsSpan(0, cut), out int tail));
            Assert.True(System.Text.Unicode.Utf8.IsValid(bytes.AsSpan(0, cut - tail)));
            Assert.InRange(tail, 0, 3);
        }

        Assert.True(Utf8Validation.TryValidatePrefix(bytes, out int whole));
        Assert.Equal(0, whole);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0x80 })]
    [InlineData(new byte[] { 0xC0, 0x80 })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 })]
    [InlineData(new byte[] { 0xE2, 0x28 })]
    [InlineData(new byte[] { 0x61, 0xED, 0xA0 })]
    [InlineData(new byte[] { 0xF5 })]
    public void Utf8Prefix_WithBytesThatCanNeverBeValid_IsInvalid(byte[] bytes) =>
        Assert.False(Utf8Validation.TryValidatePrefix(bytes, out _));
}
