using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace EdgeGw.Server.FunctionalTests.Infrastructure;

/// <summary>A request as an upstream test server saw it.</summary>
public sealed class UpstreamRequest
{
    public required string Method { get; init; }
    /// <summary>The raw request target (path and query).</summary>
    public required string Target { get; init; }
    public required string Version { get; init; }
    public required WireHead Head { get; init; }
    public required string RawHead { get; init; }
    /// <summary>The body bytes (decoded if chunked); null when the body was only hashed.</summary>
    public byte[]? Body { get; set; }
    public long BodyLength { get; set; }
    public string? BodySha256 { get; set; }
    public bool WasChunked => Head.IsChunked;
    public string Path => Target.Split('?', 2)[0];
    public string Query => Target.Contains('?', StringComparison.Ordinal) ? Target[Target.IndexOf('?', StringComparison.Ordinal)..] : "";
    public string? Header(string name) => Head.Get(name);
}

/// <summary>One accepted upstream connection, handed to a behaviour.</summary>
public sealed class UpstreamConnectionContext
{
    private readonly UpstreamServer _server;

    internal UpstreamConnectionContext(UpstreamServer server, Socket socket, int index, CancellationToken stopping)
    {
        _server = server;
        Socket = socket;
        Stream = new NetworkStream(socket, ownsSocket: false);
        Reader = new WireReader(Stream);
        Index = index;
        Stopping = stopping;
    }

    public Socket Socket { get; }
    public NetworkStream Stream { get; }
    public WireReader Reader { get; }
    /// <summary>1 for the first connection the server accepted.</summary>
    public int Index { get; }
    public CancellationToken Stopping { get; }

    /// <summary>Reads one request. Null when the gateway closed the connection between requests.</summary>
    public async Task<UpstreamRequest?> ReadRequestAsync(bool bufferBody = true)
    {
        string? raw = await Reader.ReadHeadAsync(Stopping).ConfigureAwait(false);
        if (raw is null)
        {
            return null;
        }

        var head = WireHead.Parse(raw);
        var parts = head.StartLine.Split(' ');
        var request = new UpstreamRequest { Method = parts[0], Target = parts[1], Version = parts[2], Head = head, RawHead = raw };
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var body = bufferBody ? new MemoryStream() : null;
        long length = 0;
        void Sink(ReadOnlyMemory<byte> data)
        {
            length += data.Length;
            hash.AppendData(data.Span);
            body?.Write(data.Span);
        }

        if (head.IsChunked)
        {
            await Reader.ReadChunkedAsync(Sink, Stopping).ConfigureAwait(false);
        }
        else if (head.ContentLength is long contentLength)
        {
            await Reader.ReadExactAsync(contentLength, Sink, Stopping).ConfigureAwait(false);
        }

        request.Body = body?.ToArray();
        request.BodyLength = length;
        request.BodySha256 = Convert.ToHexString(hash.GetHashAndReset());
        _server.OnRequest(request);
        return request;
    }

    public Task WriteAsync(string text) => WriteAsync(Encoding.Latin1.GetBytes(text));

    public async Task WriteAsync(ReadOnlyMemory<byte> bytes) => await Stream.WriteAsync(bytes, Stopping).ConfigureAwait(false);

    /// <summary>Writes a Content-Length framed response.</summary>
    public Task RespondAsync(int status, string body, params (string Name, string Value)[] headers) =>
        RespondAsync(status, Encoding.UTF8.GetBytes(body), headers);

    public async Task RespondAsync(int status, byte[] body, params (string Name, string Value)[] headers)
    {
        var head = new StringBuilder();
        head.Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {status} {(status == 200 ? "OK" : "Status")}\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(CultureInfo.InvariantCulture, $"{name}: {value}\r\n");
        }

        head.Append(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n\r\n");
        var bytes = Encoding.Latin1.GetBytes(head.ToString());
        var all = new byte[bytes.Length + body.Length];
        bytes.CopyTo(all, 0);
        body.CopyTo(all, bytes.Length);
        await WriteAsync(all).ConfigureAwait(false);
    }

    /// <summary>Waits until the gateway closes this connection (true) or sends more bytes (false).</summary>
    public Task<bool> WaitForPeerCloseAsync() => Reader.WaitForEofAsync(Stopping);

    /// <summary>Closes the connection (FIN) from the upstream side.</summary>
    public void Close()
    {
        try
        {
            Socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        Socket.Dispose();
    }
}

/// <summary>
/// A raw-socket upstream on 127.0.0.1:0. Each accepted connection runs <c>handler</c>; the server counts
/// accepted connections and records every request a behaviour reads.
/// </summary>
public sealed class UpstreamServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly Func<UpstreamConnectionContext, Task> _handler;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentBag<Task> _connections = [];
    private readonly ConcurrentBag<Socket> _sockets = [];
    private readonly Task _acceptLoop;
    private int _accepted;
    private int _requests;
    private TaskCompletionSource _requestSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private UpstreamServer(Func<UpstreamConnectionContext, Task> handler)
    {
        _handler = handler;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start(512);
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port { get; }
    public string Authority => $"127.0.0.1:{Port}";
    public int AcceptedConnections => Volatile.Read(ref _accepted);
    public int RequestsSeen => Volatile.Read(ref _requests);
    public ConcurrentQueue<UpstreamRequest> Requests { get; } = new();
    /// <summary>Exceptions thrown by behaviours (other than the connection going away).</summary>
    public ConcurrentQueue<Exception> Errors { get; } = new();

    public static UpstreamServer Start(Func<UpstreamConnectionContext, Task> handler) => new(handler);

    /// <summary>Keep-alive loop: answers every request on the connection with <paramref name="respond"/>.</summary>
    public static UpstreamServer StartPerRequest(Func<UpstreamConnectionContext, UpstreamRequest, Task> respond, bool bufferBody = true) =>
        new(async context =>
        {
            while (await context.ReadRequestAsync(bufferBody).ConfigureAwait(false) is { } request)
            {
                await respond(context, request).ConfigureAwait(false);
                if (request.Head.ConnectionHas("close"))
                {
                    break;
                }
            }
        });

    /// <summary>Completes when the server has recorded at least <paramref name="count"/> requests.</summary>
    public async Task WaitForRequestsAsync(int count, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        while (RequestsSeen < count)
        {
            var signal = Volatile.Read(ref _requestSignal);
            if (RequestsSeen >= count)
            {
                break;
            }

            await signal.Task.WaitAsync(cts.Token).ConfigureAwait(false);
        }
    }

    internal void OnRequest(UpstreamRequest request)
    {
        Requests.Enqueue(request);
        Interlocked.Increment(ref _requests);
        Interlocked.Exchange(ref _requestSignal, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            socket.NoDelay = true;
            int index = Interlocked.Increment(ref _accepted);
            _sockets.Add(socket);
            _connections.Add(Task.Run(() => RunConnectionAsync(socket, index)));
        }
    }

    private async Task RunConnectionAsync(Socket socket, int index)
    {
        var context = new UpstreamConnectionContext(this, socket, index, _stopping.Token);
        try
        {
            await _handler(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException or EndOfStreamException)
        {
            // The gateway went away or the server is stopping.
        }
        catch (Exception ex)
        {
            Errors.Enqueue(ex);
        }
        finally
        {
            context.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        await _acceptLoop.ConfigureAwait(false);
        await Task.WhenAll(_connections).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        _stopping.Dispose();
    }
}

/// <summary>Ready-made upstream behaviours.</summary>
public static class Upstreams
{
    /// <summary>
    /// Echo: answers 200 with the request method, path, query and selected headers as <c>x-echo-*</c> response
    /// headers, and the (decoded) request body as a Content-Length framed body.
    /// </summary>
    public static UpstreamServer Echo() => UpstreamServer.StartPerRequest(EchoAsync);

    public static Task EchoAsync(UpstreamConnectionContext context, UpstreamRequest request)
    {
        var headers = new List<(string, string)>
        {
            ("x-echo-method", request.Method),
            ("x-echo-path", request.Path),
            ("x-echo-query", request.Query),
            ("x-echo-connection-index", context.Index.ToString(CultureInfo.InvariantCulture)),
            ("x-echo-chunked", request.WasChunked ? "1" : "0"),
        };
        foreach (var name in (string[])["host", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-request-id"])
        {
            if (request.Header(name) is { } value)
            {
                headers.Add(("x-echo-" + name, value));
            }
        }

        return context.RespondAsync(200, request.Body ?? [], [.. headers]);
    }

    /// <summary>Answers each request with a chunked body made of <paramref name="chunks"/>.</summary>
    public static UpstreamServer Chunked(params string[] chunks) => UpstreamServer.StartPerRequest(async (context, request) =>
    {
        var text = new StringBuilder("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n");
        foreach (var chunk in chunks)
        {
            text.Append(CultureInfo.InvariantCulture, $"{Encoding.UTF8.GetByteCount(chunk):x}\r\n{chunk}\r\n");
        }

        text.Append("0\r\n\r\n");
        await context.WriteAsync(text.ToString()).ConfigureAwait(false);
    });

    /// <summary>Answers one request with a body delimited by closing the connection.</summary>
    public static UpstreamServer CloseDelimited(string body) => UpstreamServer.Start(async context =>
    {
        if (await context.ReadRequestAsync().ConfigureAwait(false) is null)
        {
            return;
        }

        await context.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n" + body).ConfigureAwait(false);
        context.Close();
    });

    /// <summary>Accepts and counts connections, answers every request 200 "ok" (keep-alive).</summary>
    public static UpstreamServer Counting() => UpstreamServer.StartPerRequest((context, request) => context.RespondAsync(200, "ok"));

    /// <summary>Reads each request and never answers; holds the connection until the gateway closes it.</summary>
    public static UpstreamServer Stalling() => UpstreamServer.Start(async context =>
    {
        while (await context.ReadRequestAsync().ConfigureAwait(false) is not null)
        {
        }
    });

    /// <summary>Reads a request, answers with a garbage status line; <paramref name="closedByGateway"/> completes when the gateway hangs up.</summary>
    public static UpstreamServer Malformed(TaskCompletionSource<bool> closedByGateway) => UpstreamServer.Start(async context =>
    {
        if (await context.ReadRequestAsync().ConfigureAwait(false) is null)
        {
            return;
        }

        await context.WriteAsync("HTPT/1.1 2OO garbage\r\nfoo\r\n\r\n").ConfigureAwait(false);
        closedByGateway.TrySetResult(await context.WaitForPeerCloseAsync().ConfigureAwait(false));
    });

    /// <summary>Answers each request with <paramref name="bytes"/> of deterministic data, streamed, Content-Length framed.</summary>
    public static UpstreamServer LargeBody(long bytes) => UpstreamServer.StartPerRequest(async (context, request) =>
    {
        await context.WriteAsync($"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {bytes}\r\n\r\n").ConfigureAwait(false);
        var block = new byte[64 * 1024];
        long offset = 0;
        while (offset < bytes)
        {
            int take = (int)Math.Min(block.Length, bytes - offset);
            TestData.Fill(block.AsSpan(0, take), offset);
            await context.WriteAsync(block.AsMemory(0, take)).ConfigureAwait(false);
            offset += take;
        }
    }, bufferBody: false);

    /// <summary>A loopback port with nothing listening: bind, read the port, close.</summary>
    /// <summary>A port whose connects neither complete nor fail: see <see cref="UnansweredListener"/>.</summary>
    public static Task<UnansweredListener> Unanswered() => UnansweredListener.StartAsync();

    public static int RefusedPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}

/// <summary>Deterministic body bytes: byte i of the stream is a function of i, so any slice can be regenerated.</summary>
public static class TestData
{
    public static void Fill(Span<byte> destination, long offset)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            long position = offset + i;
            destination[i] = (byte)((position * 31) ^ (position >> 11));
        }
    }

    public static string Sha256(long length)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var block = new byte[64 * 1024];
        for (long offset = 0; offset < length; offset += block.Length)
        {
            int take = (int)Math.Min(block.Length, length - offset);
            Fill(block.AsSpan(0, take), offset);
            hash.AppendData(block, 0, take);
        }

        return Convert.ToHexString(hash.GetHashAndReset());
    }
}

/// <summary>
/// A loopback listener that never accepts, with its accept queue full: Linux then drops every further SYN
/// (the client retransmits), so a connect to it neither completes nor fails until the client gives up. This is
/// how a connect timeout is reached on loopback without an unroutable address.
/// </summary>
public sealed class UnansweredListener : IDisposable
{
    private readonly Socket _listener;
    private readonly List<Socket> _queued = [];

    private UnansweredListener(Socket listener) => _listener = listener;

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;
    public string Authority => $"127.0.0.1:{Port}";

    public static async Task<UnansweredListener> StartAsync()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(0);
        var unanswered = new UnansweredListener(listener);
        try
        {
            // Fill the queue: connects complete until it is full; the first that does not complete is the signal.
            for (int i = 0; i < 16; i++)
            {
                var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
                try
                {
                    await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, unanswered.Port), wait.Token).ConfigureAwait(false);
                    unanswered._queued.Add(client);
                }
                catch (OperationCanceledException)
                {
                    client.Dispose();
                    return unanswered;
                }
            }

            throw new InvalidOperationException("16 connects to a listener with backlog 0 all completed: this kernel does not drop SYNs on a full accept queue.");
        }
        catch
        {
            unanswered.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var socket in _queued)
        {
            socket.Dispose();
        }

        _listener.Dispose();
    }
}
