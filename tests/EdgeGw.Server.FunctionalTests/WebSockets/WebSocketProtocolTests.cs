using System.Text;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using static EdgeGw.Server.FunctionalTests.Infrastructure.RawWebSocket;

namespace EdgeGw.Server.FunctionalTests.WebSockets;

/// <summary>One gateway with an echoing WebSocket API, shared by the protocol tests (each test uses its own connections).</summary>
public sealed class EchoApiFixture : IAsyncLifetime
{
    public WebSocketBackend Backend { get; private set; } = null!;
    public TestGateway Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Backend = await WebSocketBackend.StartAsync();
        Gateway = await TestGateway.StartAsync(GatewayConfigs.WebSocketApi(Backend.Authority, defaultEchoes: true,
            webSocket: "\"maxFrameBytes\": 131072, \"maxMessageBytes\": 262144"));
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Backend.DisposeAsync();
    }
}

/// <summary>
/// RFC 6455 conformance over raw sockets, by the categories of Autobahn|Testsuite: 1 framing, 2 ping/pong,
/// 3 reserved bits, 4 opcodes, 5 fragmentation, 6 UTF-8, 7 close handling. Every violation must be answered
/// with the right close code and a closed TCP connection, and the gateway must go on serving.
/// </summary>
public sealed class WebSocketProtocolTests(EchoApiFixture fixture) : IClassFixture<EchoApiFixture>
{
    private Task<RawWebSocket> ConnectAsync() => RawWebSocket.ConnectAsync(fixture.Gateway.Port, "/prod");

    private const int Text = 1;
    private const int Binary = 2;
    private const int Close = 8;
    private const int Ping = 9;
    private const int Pong = 10;

    public static TheoryData<int, int> Messages => new()
    {
        { Text, 1 }, { Text, 125 }, { Text, 126 }, { Text, 127 }, { Text, 65_535 }, { Text, 65_536 },
        { Binary, 1 }, { Binary, 125 }, { Binary, 126 }, { Binary, 65_535 }, { Binary, 65_536 }, { Binary, 131_072 },
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public async Task Category1_Messages_OfEveryLengthEncoding_AreEchoedWhole(int opcode, int length)
    {
        await using var socket = await ConnectAsync();
        var payload = opcode == Text ? Encoding.ASCII.GetBytes(new string('*', length)) : RandomBytes(length, seed: length);
        var frame = Frame(opcode, payload);
        // Small frames go one byte per write, so the gateway sees them cut at every boundary.
        await socket.SendInPiecesAsync(frame, length <= 127 ? 1 : 4096);

        var reply = await socket.ReceiveAsync();
        Assert.NotNull(reply);
        Assert.Equal((true, 0, opcode), (reply.Fin, reply.Rsv, reply.Opcode));
        Assert.Equal(payload, reply.Payload);
    }

    [Fact]
    public async Task Category1_EmptyMessage_HasNoReply_AndTheConnectionGoesOn()
    {
        await using var socket = await ConnectAsync();
        await socket.SendRawAsync([.. Frame(Text, []), .. Frame(Ping, "after"u8)]);
        var reply = await socket.ReceiveAsync();
        Assert.Equal((Pong, "after"), (reply!.Opcode, reply.Text));
    }

    [Fact]
    public async Task Category2_Pings_AreAnsweredWithTheirPayload_AndUnsolicitedPongsIgnored()
    {
        await using var socket = await ConnectAsync();
        var full = RandomBytes(125, seed: 2);
        await socket.SendRawAsync([.. Frame(Pong, "unasked"u8), .. Frame(Ping, "hello"u8), .. Frame(Ping, []), .. Frame(Ping, full)]);

        var hello = await socket.ReceiveAsync();
        Assert.Equal((Pong, "hello"), (hello!.Opcode, hello.Text));
        var empty = await socket.ReceiveAsync();
        Assert.Equal((Pong, 0), (empty!.Opcode, empty.Payload.Length));
        var large = await socket.ReceiveAsync();
        Assert.Equal(full, large!.Payload);
    }

    public static TheoryData<string, byte[], int> Violations => new()
    {
        { "2.5 ping with 126 bytes", Frame(Ping, new byte[126]), 1002 },
        { "2.x fragmented ping", Frame(Ping, "x"u8, fin: false), 1002 },
        { "3.1 RSV1 on text", Frame(Text, "x"u8, rsv: 4), 1002 },
        { "3.2 RSV2 after a valid message", [.. Frame(Text, "ok"u8), .. Frame(Text, "x"u8, rsv: 2)], 1002 },
        { "3.5 RSV3 on binary", Frame(Binary, "x"u8, rsv: 1), 1002 },
        { "3.7 RSV on ping", Frame(Ping, "x"u8, rsv: 7), 1002 },
        { "4.1.1 opcode 3", Frame(3, []), 1002 },
        { "4.1.5 opcode 7", Frame(7, "x"u8), 1002 },
        { "4.2.1 opcode 11", Frame(11, []), 1002 },
        { "4.2.5 opcode 15", Frame(15, "x"u8), 1002 },
        { "5.x unmasked frame", Frame(Text, "x"u8, masked: false), 1002 },
        { "5.9 continuation without a start", Frame(0, "x"u8), 1002 },
        { "5.18 text inside a fragmented text", [.. Frame(Text, "a"u8, fin: false), .. Frame(Text, "b"u8)], 1002 },
        { "5.x fragmented close", Frame(Close, [0x03, 0xE8], fin: false), 1002 },
        { "6.3 invalid UTF-8", Frame(Text, [0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5, 0xED, 0xA0, 0x80, 0x65, 0x64, 0x69, 0x74, 0x65, 0x64]), 1007 },
        { "6.4 invalid UTF-8 in the first fragment", Frame(Text, [0xCE, 0xBA, 0xF4, 0x90, 0x80, 0x80], fin: false), 1007 },
        { "6.x overlong encoding", Frame(Text, [0xC0, 0xAF]), 1007 },
        { "6.x text ends inside a character", [.. Frame(Text, [0xE2, 0x82], fin: false), .. Frame(0, [])], 1007 },
        { "7.3.2 close with one byte", Frame(Close, [0x03]), 1002 },
        { "7.5.1 close reason not UTF-8", Frame(Close, [0x03, 0xE8, 0xCE, 0xBA, 0xE1, 0xBD]), 1007 },
        { "7.9.1 close code 0", RawWebSocket.Close(0), 1002 },
        { "7.9.2 close code 999", RawWebSocket.Close(999), 1002 },
        { "7.9.3 close code 1004", RawWebSocket.Close(1004), 1002 },
        { "7.9.4 close code 1005", RawWebSocket.Close(1005), 1002 },
        { "7.9.5 close code 1006", RawWebSocket.Close(1006), 1002 },
        { "7.9.9 close code 1015", RawWebSocket.Close(1015), 1002 },
        { "7.9.10 close code 1016", RawWebSocket.Close(1016), 1002 },
        { "7.9.11 close code 2000", RawWebSocket.Close(2000), 1002 },
        { "7.9.13 close code 5000", RawWebSocket.Close(5000), 1002 },
        { "9.x frame over the limit", Frame(Binary, new byte[131_073]), 1009 },
    };

    [Theory]
    [MemberData(nameof(Violations))]
    public async Task Violation_IsClosedWithItsCode_ThenTcpCloses_AndTheGatewayGoesOn(string name, byte[] frames, int code)
    {
        Assert.NotEmpty(name);
        await using (var socket = await ConnectAsync())
        {
            await socket.SendRawAsync(frames);
            var close = await socket.ReceiveCloseAsync();
            Assert.NotNull(close);
            Assert.Equal(code, close.CloseCode);
            Assert.True(Encoding.UTF8.GetString(close.Payload.AsSpan(2)).Length > 0);
            Assert.True(await socket.WaitForTcpCloseAsync());
        }

        await AssertStillServingAsync();
    }

    [Fact]
    public async Task Category5_FragmentedText_WithPingsBetweenFragments_IsPongedThenEchoedWhole()
    {
        await using var socket = await ConnectAsync();
        await socket.SendRawAsync([
            .. Frame(Text, "frag"u8, fin: false), .. Frame(Ping, "p1"u8),
            .. Frame(0, "ment"u8, fin: false), .. Frame(Ping, "p2"u8),
            .. Frame(0, "ed"u8, fin: true)]);

        Assert.Equal("p1", (await socket.ReceiveAsync())!.Text);
        Assert.Equal("p2", (await socket.ReceiveAsync())!.Text);
        var message = await socket.ReceiveAsync();
        Assert.Equal((Text, "fragmented"), (message!.Opcode, message.Text));
    }

    [Fact]
    public async Task Category6_ValidUtf8_SentOneByteFragmentAtATime_IsEchoed()
    {
        await using var socket = await ConnectAsync();
        var text = Encoding.UTF8.GetBytes("κόσμε 𝄞 €");
        var frames = new List<byte>();
        for (int i = 0; i < text.Length; i++)
        {
            frames.AddRange(Frame(i == 0 ? Text : 0, text.AsSpan(i, 1), fin: i == text.Length - 1));
        }

        await socket.SendInPiecesAsync([.. frames], 3);
        var reply = await socket.ReceiveAsync();
        Assert.Equal((Text, "κόσμε 𝄞 €"), (reply!.Opcode, reply.Text));
    }

    public static TheoryData<int> ValidCloseCodes => new() { 1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999 };

    [Theory]
    [MemberData(nameof(ValidCloseCodes))]
    public async Task Category7_Close_WithAValidCode_IsEchoed_AndLaterFramesAreIgnored(int code)
    {
        await using var socket = await ConnectAsync();
        await socket.SendRawAsync([.. RawWebSocket.Close(code, "bye"), .. Frame(Text, "after close"u8)]);
        var close = await socket.ReceiveAsync();
        Assert.Equal((Close, code), (close!.Opcode, close.CloseCode));
        Assert.True(await socket.WaitForTcpCloseAsync());
    }

    [Fact]
    public async Task Category7_Close_WithoutPayload_IsAnsweredWithoutPayload()
    {
        await using var socket = await ConnectAsync();
        await socket.SendRawAsync(Frame(Close, []));
        var close = await socket.ReceiveAsync();
        Assert.Equal((Close, 0), (close!.Opcode, close.Payload.Length));
        Assert.True(await socket.WaitForTcpCloseAsync());
    }

    [Fact]
    public async Task AbruptTcpClose_MidFrame_LeavesNothingBehind()
    {
        var registry = fixture.Gateway.Runtime.WebSockets;
        long before = registry.ActiveConnections;
        await using (var socket = await ConnectAsync())
        {
            var frame = Frame(Binary, new byte[5000]);
            await socket.SendRawAsync(frame.AsSpan(0, 2000).ToArray());
        }

        Assert.True(await Eventually.TrueAsync(() => registry.ActiveConnections <= before));
        await AssertStillServingAsync();
    }

    private async Task AssertStillServingAsync()
    {
        await using var fresh = await ConnectAsync();
        await fresh.SendRawAsync(Frame(Text, "still here"u8));
        Assert.Equal("still here", (await fresh.ReceiveAsync())!.Text);
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
