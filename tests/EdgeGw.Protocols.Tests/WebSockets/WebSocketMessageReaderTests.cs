using System.Buffers;
using System.Text;
using EdgeGw.Protocols.Tests.Infrastructure;
using EdgeGw.Protocols.WebSockets;
using static EdgeGw.Protocols.Tests.WebSockets.ClientFrames;

namespace EdgeGw.Protocols.Tests.WebSockets;

public sealed class WebSocketMessageReaderTests
{
    private const int MaxFrame = 70_000;
    private const int MaxMessage = 140_000;

    public static TheoryData<int> PayloadLengths => new() { 0, 1, 125, 126, 127, 65_535, 65_536 };

    [Theory]
    [MemberData(nameof(PayloadLengths))]
    public void BinaryMessage_OfEveryLengthEncoding_ArrivesWhole_WhereverTheInputIsCut(int length)
    {
        var payload = new byte[length];
        new Random(length).NextBytes(payload);
        var input = Frame(WebSocketOpcode.Binary, payload);
        var expected = new[] { $"Message Binary {Convert.ToHexString(payload)}" };
        // Every cut for the short encodings; the long ones are cut around their headers and at a few places inside.
        IEnumerable<int> cuts = length <= 1024 ? Enumerable.Range(0, input.Length + 1) : [.. Enumerable.Range(0, 16), input.Length / 2, input.Length - 1];
        foreach (int cut in cuts)
        {
            Assert.Equal(expected, Drive(input, arrivals: [cut, input.Length], cuts: [cut / 2, cut]));
        }
    }

    [Fact]
    public void FragmentedText_WithPingsBetweenFragments_IsReassembled_AtEveryCutAndOneByteAtATime()
    {
        var input = Concat(
            Text("héllo ", fin: false),
            Frame(WebSocketOpcode.Ping, "p1"u8),
            Frame(WebSocketOpcode.Continuation, "wörld"u8.ToArray(), fin: false),
            Frame(WebSocketOpcode.Pong, "unsolicited"u8),
            Frame(WebSocketOpcode.Continuation, "!"u8, fin: true),
            Text("second"));
        string[] expected = ["Ping 7031", "Pong", $"Message Text {Hex("héllo wörld!")}", $"Message Text {Hex("second")}"];
        foreach (var cuts in Segments.AllCuts(input.Length, pairLimit: 0))
        {
            Assert.Equal(expected, Drive(input, arrivals: [cuts[0], input.Length], cuts: cuts));
        }

        Assert.Equal(expected, Drive(input, arrivals: [.. Enumerable.Range(1, input.Length)], cuts: []));
    }

    [Fact]
    public void Utf8CharacterSplitAcrossFragments_IsValid()
    {
        var euro = "€"u8.ToArray();
        var input = Concat(
            Frame(WebSocketOpcode.Text, euro.AsSpan(0, 1), fin: false),
            Frame(WebSocketOpcode.Continuation, euro.AsSpan(1, 1), fin: false),
            Frame(WebSocketOpcode.Continuation, euro.AsSpan(2, 1), fin: true));
        foreach (var cuts in Segments.AllCuts(input.Length))
        {
            Assert.Equal([$"Message Text {Hex("€")}"], Drive(input, arrivals: [input.Length], cuts: cuts));
        }
    }

    public static TheoryData<string, byte[], ushort> Violations => new()
    {
        { "reserved bit 1", Frame(WebSocketOpcode.Text, "x"u8, rsv: 4), WebSocketCloseCode.ProtocolError },
        { "reserved bit 2", Frame(WebSocketOpcode.Text, "x"u8, rsv: 2), WebSocketCloseCode.ProtocolError },
        { "reserved bit 3", Frame(WebSocketOpcode.Binary, "x"u8, rsv: 1), WebSocketCloseCode.ProtocolError },
        { "reserved bits on ping", Frame(WebSocketOpcode.Ping, "x"u8, rsv: 7), WebSocketCloseCode.ProtocolError },
        { "opcode 3", Frame(0, "x"u8, rawOpcode: 3), WebSocketCloseCode.ProtocolError },
        { "opcode 7", Frame(0, "x"u8, rawOpcode: 7), WebSocketCloseCode.ProtocolError },
        { "opcode 11", Frame(0, "x"u8, rawOpcode: 11), WebSocketCloseCode.ProtocolError },
        { "opcode 15", Frame(0, "x"u8, rawOpcode: 15), WebSocketCloseCode.ProtocolError },
        { "unmasked", Frame(WebSocketOpcode.Text, "x"u8, masked: false), WebSocketCloseCode.ProtocolError },
        { "fragmented ping", Frame(WebSocketOpcode.Ping, "x"u8, fin: false), WebSocketCloseCode.ProtocolError },
        { "ping of 126 bytes", Frame(WebSocketOpcode.Ping, new byte[126]), WebSocketCloseCode.ProtocolError },
        { "continuation first", Frame(WebSocketOpcode.Continuation, "x"u8), WebSocketCloseCode.ProtocolError },
        { "text inside a fragmented message", Concat(Text("a", fin: false), Text("b")), WebSocketCloseCode.ProtocolError },
        { "frame over the limit", Frame(WebSocketOpcode.Binary, new byte[MaxFrame + 1]), WebSocketCloseCode.MessageTooBig },
        { "message over the limit", Concat(Frame(WebSocketOpcode.Binary, new byte[MaxFrame], fin: false), Frame(WebSocketOpcode.Continuation, new byte[MaxFrame], fin: false), Frame(WebSocketOpcode.Continuation, new byte[1])), WebSocketCloseCode.MessageTooBig },
        { "invalid UTF-8", Frame(WebSocketOpcode.Text, [0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5, 0xED, 0xA0, 0x80, 0x65]), WebSocketCloseCode.InvalidPayload },
        { "overlong UTF-8", Frame(WebSocketOpcode.Text, [0xC0, 0xAF]), WebSocketCloseCode.InvalidPayload },
        { "UTF-8 cut at the end", Frame(WebSocketOpcode.Text, [0x61, 0xE2, 0x82]), WebSocketCloseCode.InvalidPayload },
        { "close with one byte", Frame(WebSocketOpcode.Close, [0x03]), WebSocketCloseCode.ProtocolError },
        { "close code 0", Close(0), WebSocketCloseCode.ProtocolError },
        { "close code 999", Close(999), WebSocketCloseCode.ProtocolError },
        { "close code 1004", Close(1004), WebSocketCloseCode.ProtocolError },
        { "close code 1005", Close(1005), WebSocketCloseCode.ProtocolError },
        { "close code 1006", Close(1006), WebSocketCloseCode.ProtocolError },
        { "close code 1015", Close(1015), WebSocketCloseCode.ProtocolError },
        { "close code 2999", Close(2999), WebSocketCloseCode.ProtocolError },
        { "close code 5000", Close(5000), WebSocketCloseCode.ProtocolError },
        { "close reason not UTF-8", Frame(WebSocketOpcode.Close, [0x03, 0xE8, 0xFF]), WebSocketCloseCode.InvalidPayload },
    };

    [Theory]
    [MemberData(nameof(Violations))]
    public void Violation_IsReportedWithItsCloseCode_WhereverTheInputIsCut(string name, byte[] input, ushort code)
    {
        Assert.NotNull(name);
        IEnumerable<int> cuts = input.Length <= 512 ? Enumerable.Range(0, input.Length + 1) : [0, 1, 2, 5, 9, 14, input.Length - 1];
        foreach (int cut in cuts)
        {
            var events = Drive(input, arrivals: [cut, input.Length], cuts: [cut]);
            Assert.Equal($"Error {code}", events[^1]);
        }
    }

    [Fact]
    public void InvalidUtf8_InAnEarlyFragment_FailsBeforeTheMessageEnds()
    {
        var input = Frame(WebSocketOpcode.Text, [0x61, 0xFF], fin: false);
        Assert.Equal([$"Error {WebSocketCloseCode.InvalidPayload}"], Drive(input, arrivals: [input.Length], cuts: []));
    }

    public static TheoryData<ushort> ValidCloseCodes => new() { 1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999 };

    [Theory]
    [MemberData(nameof(ValidCloseCodes))]
    public void Close_WithAValidCode_ReportsCodeAndReason(ushort code)
    {
        var input = Close(code, "bye ✓");
        foreach (int cut in Enumerable.Range(0, input.Length + 1))
        {
            Assert.Equal([$"Close {code} {Hex("bye ✓")}"], Drive(input, arrivals: [cut, input.Length], cuts: [cut]));
        }
    }

    [Fact]
    public void Close_WithoutPayload_ReportsNoStatus()
    {
        var input = Frame(WebSocketOpcode.Close, ReadOnlySpan<byte>.Empty);
        Assert.Equal([$"Close {WebSocketCloseCode.NoStatus} "], Drive(input, arrivals: [input.Length], cuts: [1]));
    }

    [Fact]
    public void ReleaseBuffer_KeepsAPartialMessage_AndReturnsAFinishedOne()
    {
        var reader = new WebSocketMessageReader(MaxFrame, MaxMessage);
        var first = new ReadOnlySequence<byte>(Text("par", fin: false));
        Assert.Equal(WebSocketReadStatus.NeedMoreData, reader.Read(first, out _));
        Assert.True(reader.HasPartialMessage);
        reader.ReleaseBuffer();
        var rest = new ReadOnlySequence<byte>(Frame(WebSocketOpcode.Continuation, "tial"u8));
        Assert.Equal(WebSocketReadStatus.Message, reader.Read(rest, out _));
        Assert.Equal("partial", Encoding.UTF8.GetString(reader.Payload));
        reader.ReleaseBuffer();
        Assert.Equal(WebSocketReadStatus.Message, reader.Read(new ReadOnlySequence<byte>(Text("next")), out _));
        Assert.Equal("next", Encoding.UTF8.GetString(reader.Payload));
    }

    private static string Hex(string text) => Convert.ToHexString(Encoding.UTF8.GetBytes(text));

    /// <summary>Absolute cut offsets <paramref name="cuts"/>, applied to whatever window is readable.</summary>
    private static List<string> Drive(byte[] input, int[] arrivals, int[] cuts) =>
        ReaderDriver.Drive(new WebSocketMessageReader(MaxFrame, MaxMessage), input, arrivals,
            (consumed, _) => [.. cuts.Select(c => c - consumed).Where(c => c > 0)]);
}
