using System.Net;
using System.Net.Sockets;
using System.Text;

namespace EdgeGw.Server.FunctionalTests.Infrastructure;

/// <summary>A response read off the wire by <see cref="RawClient"/>.</summary>
public sealed class RawResponse
{
    public required WireHead Head { get; init; }
    public required byte[] Body { get; init; }
    public int Status => int.Parse(Head.StartLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
    public string Version => Head.StartLine.Split(' ')[0];
    public string BodyText => Encoding.UTF8.GetString(Body);
    public string? Header(string name) => Head.Get(name);
    public override string ToString() => Head.StartLine + " " + BodyText;
}

/// <summary>
/// A client that writes exact bytes to the gateway and reads responses with test-side framing: for
/// pipelining, malformed requests and connection-close checks. Every read is bounded by a timeout.
/// </summary>
public sealed class RawClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly WireReader _reader;

    private RawClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _reader = new WireReader(_stream);
    }

    public static TimeSpan DefaultTimeout { get; } = TimeSpan.FromSeconds(10);

    public static async Task<RawClient> ConnectAsync(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).ConfigureAwait(false);
        return new RawClient(socket);
    }

    /// <summary>Connects from <paramref name="source"/> (any 127.x.y.z works on Linux loopback), so a proxy in between has a client address to pass on.</summary>
    public static async Task<RawClient> ConnectAsync(int port, IPAddress source)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new RawClient(socket);
    }

    public Task SendAsync(string text) => SendAsync(Encoding.Latin1.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        using var cts = new CancellationTokenSource(DefaultTimeout);
        await _stream.WriteAsync(bytes, cts.Token).ConfigureAwait(false);
    }

    /// <summary>Reads one response. <paramref name="headRequest"/>: the body is not on the wire whatever the framing says.</summary>
    public async Task<RawResponse> ReadResponseAsync(bool headRequest = false, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        string raw = await _reader.ReadHeadAsync(cts.Token).ConfigureAwait(false)
            ?? throw new EndOfStreamException("Connection closed before a response.");
        var head = WireHead.Parse(raw);
        var body = new MemoryStream();
        void Sink(ReadOnlyMemory<byte> data) => body.Write(data.Span);
        int status = int.Parse(head.StartLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        if (headRequest || status is (>= 100 and < 200) or 204 or 304)
        {
        }
        else if (head.IsChunked)
        {
            await _reader.ReadChunkedAsync(Sink, cts.Token).ConfigureAwait(false);
        }
        else if (head.ContentLength is long length)
        {
            await _reader.ReadExactAsync(length, Sink, cts.Token).ConfigureAwait(false);
        }
        else
        {
            await _reader.ReadToEndAsync(Sink, cts.Token).ConfigureAwait(false);
        }

        return new RawResponse { Head = head, Body = body.ToArray() };
    }

    /// <summary>True when the gateway closes the connection (FIN or reset) within the timeout with no further bytes.</summary>
    public async Task<bool> IsClosedByServerAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            return await _reader.WaitForEofAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>True when nothing arrives and the connection stays open for <paramref name="window"/>.</summary>
    public async Task<bool> StaysOpenAsync(TimeSpan window)
    {
        using var cts = new CancellationTokenSource(window);
        try
        {
            await _reader.WaitForEofAsync(cts.Token).ConfigureAwait(false);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
    }
}
