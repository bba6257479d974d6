using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace EdgeGw.Server.FunctionalTests.Infrastructure;

/// <summary>A frame as received from the gateway (server frames are never masked).</summary>
public sealed record ReceivedFrame(bool Fin, int Rsv, int Opcode, byte[] Payload)
{
    public string Text => Encoding.UTF8.GetString(Payload);
    public int CloseCode => Payload.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(Payload) : 1005;
}

/// <summary>
/// A WebSocket client over a raw socket that can break every rule of RFC 6455 on purpose, for protocol
/// violation tests in the spirit of Autobahn|Testsuite.
/// </summary>
public sealed class RawWebSocket : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly WireReader _reader;

    private RawWebSocket(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _reader = new WireReader(_stream);
    }

    public string HandshakeResponse { get; private set; } = "";

    public static async Task<RawWebSocket> ConnectAsync(int port, string path, string extraHeaders = "")
    {
        var tcp = new TcpClient { NoDelay = true };
        await tcp.ConnectAsync("127.0.0.1", port);
        var socket = new RawWebSocket(tcp);
        await socket.SendRawAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
            $"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n{extraHeaders}\r\n"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var head = await socket._reader.ReadHeadAsync(timeout.Token) ?? "";
        socket.HandshakeResponse = head;
        if (!head.StartsWith("HTTP/1.1 101 ", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("Handshake refused: " + head);
        }

        return socket;
    }

    public Task SendRawAsync(byte[] bytes) => _stream.WriteAsync(bytes).AsTask();

    /// <summary>Sends <paramref name="bytes"/> in pieces of <paramref name="pieceSize"/> bytes, flushing each.</summary>
    public async Task SendInPiecesAsync(byte[] bytes, int pieceSize)
    {
        for (int i = 0; i < bytes.Length; i += pieceSize)
        {
            await _stream.WriteAsync(bytes.AsMemory(i, Math.Min(pieceSize, bytes.Length - i)));
            await _stream.FlushAsync();
        }
    }

    public static byte[] Frame(int opcode, ReadOnlySpan<byte> payload, bool fin = true, bool masked = true, int rsv = 0)
    {
        var frame = new List<byte> { (byte)((fin ? 0x80 : 0) | (rsv << 4) | opcode) };
        byte mask = masked ? (byte)0x80 : (byte)0;
        if (payload.Length < 126)
        {
            frame.Add((byte)(mask | payload.Length));
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            frame.AddRange([(byte)(mask | 126), (byte)(payload.Length >> 8), (byte)payload.Length]);
        }
        else
        {
            frame.Add((byte)(mask | 127));
            var length = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(length, (ulong)payload.Length);
            frame.AddRange(length);
        }

        byte[] key = [0x12, 0x34, 0x56, 0x78];
        if (masked)
        {
            frame.AddRange(key);
        }

        for (int i = 0; i < payload.Length; i++)
        {
            frame.Add(masked ? (byte)(payload[i] ^ key[i % 4]) : payload[i]);
        }

        return [.. frame];
    }

    public static byte[] Text(string text, bool fin = true) => Frame(1, Encoding.UTF8.GetBytes(text), fin);

    public static byte[] Close(int code, string reason = "") => Frame(8, [(byte)(code >> 8), (byte)code, .. Encoding.UTF8.GetBytes(reason)]);

    /// <summary>Reads one frame, or null when the gateway closed the TCP connection.</summary>
    public async Task<ReceivedFrame?> ReceiveAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        var header = await _reader.ReadExactlyOrEofAsync(2, cancel.Token);
        if (header is null)
        {
            return null;
        }

        long length = header[1] & 0x7F;
        if (length == 126)
        {
            length = BinaryPrimitives.ReadUInt16BigEndian(await _reader.ReadExactlyOrEofAsync(2, cancel.Token) ?? throw new EndOfStreamException());
        }
        else if (length == 127)
        {
            length = (long)BinaryPrimitives.ReadUInt64BigEndian(await _reader.ReadExactlyOrEofAsync(8, cancel.Token) ?? throw new EndOfStreamException());
        }

        if ((header[1] & 0x80) != 0)
        {
            throw new InvalidOperationException("The server masked a frame.");
        }

        var payload = length == 0 ? [] : await _reader.ReadExactlyOrEofAsync((int)length, cancel.Token) ?? throw new EndOfStreamException();
        return new ReceivedFrame((header[0] & 0x80) != 0, (header[0] >> 4) & 7, header[0] & 0x0F, payload);
    }

    /// <summary>Reads frames until a close frame arrives; returns it, or null if TCP closed first.</summary>
    public async Task<ReceivedFrame?> ReceiveCloseAsync()
    {
        while (await ReceiveAsync() is { } frame)
        {
            if (frame.Opcode == 8)
            {
                return frame;
            }
        }

        return null;
    }

    /// <summary>True when the gateway closed the TCP connection (after any frames still in flight).</summary>
    public async Task<bool> WaitForTcpCloseAsync()
    {
        try
        {
            while (await ReceiveAsync() is not null)
            {
            }

            return true;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}
