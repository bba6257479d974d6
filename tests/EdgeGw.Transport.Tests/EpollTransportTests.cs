using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;

namespace EdgeGw.Transport.Tests;

/// <summary>The epoll transport against itself and against .NET sockets, on loopback.</summary>
public sealed class EpollTransportTests : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly EpollListener? _listener;

    public EpollTransportTests()
    {
        if (EpollTransport.IsSupported)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            _listener = EpollListener.Start(socket, 64, EpollTransport.CreatePipeOptions(64 * 1024), EpollTransport.CreatePipeOptions(64 * 1024));
        }
    }

    private EpollListener Listener => _listener ?? throw new InvalidOperationException("epoll needs Linux");

    private IPEndPoint Address => (IPEndPoint)Listener.EndPoint;

    public async ValueTask DisposeAsync()
    {
        if (_listener is not null)
        {
            await _listener.DisposeAsync();
        }
    }

    private static byte Pattern(long position) => (byte)(position * 31 + (position >> 11));

    [EpollFact]
    public async Task Megabytes_BothWays_ArriveIntact_ThroughFullSocketBuffersAndPausedPipes()
    {
        const long Size = 8 * 1024 * 1024;
        using var timeout = new CancellationTokenSource(Timeout);
        var connect = EpollTransport.ConnectAsync(Address, timeout.Token);
        using var server = (await Listener.AcceptAsync(timeout.Token))!;
        using var client = await connect;

        // The server echoes everything; the client writes 8 MiB in odd-sized pieces while reading the echo,
        // so both sides fill the kernel's buffers (sends wait for writability) and the 64 KiB pipes (receives pause).
        var echo = Task.Run(() => CopyAsync(server.Input, server.Output, timeout.Token));
        var write = Task.Run(async () =>
        {
            long written = 0;
            while (written < Size)
            {
                int length = (int)Math.Min(Size - written, 1 + (written % 70_001));
                var span = client.Output.GetSpan(length)[..length];
                for (int i = 0; i < length; i++)
                {
                    span[i] = Pattern(written + i);
                }

                client.Output.Advance(length);
                written += length;
                await client.Output.FlushAsync(timeout.Token);
            }

            await client.Output.CompleteAsync();
        });

        long received = 0;
        while (true)
        {
            var result = await client.Input.ReadAsync(timeout.Token);
            foreach (var segment in result.Buffer)
            {
                var span = segment.Span;
                for (int i = 0; i < span.Length; i++)
                {
                    Assert.Equal(Pattern(received + i), span[i]);
                }

                received += span.Length;
            }

            client.Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        await write;
        await echo;
        Assert.Equal(Size, received);
    }

    private static async Task CopyAsync(PipeReader from, PipeWriter to, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await from.ReadAsync(cancellationToken);
            foreach (var segment in result.Buffer)
            {
                await to.WriteAsync(segment, cancellationToken);
            }

            from.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                // The client's FIN ends the echo: send ours after everything echoed.
                await to.CompleteAsync();
                return;
            }
        }
    }

    [EpollFact]
    public async Task DataAndFin_InOneEdge_AreBothDelivered()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await peer.ConnectAsync(Address, timeout.Token);
        using var server = (await Listener.AcceptAsync(timeout.Token))!;

        // Sent and closed before the transport reads: the short read that takes the bytes is not the end of the
        // stream, and there is no later edge for the FIN.
        await peer.SendAsync("last words"u8.ToArray(), timeout.Token);
        peer.Shutdown(SocketShutdown.Send);

        var text = new List<byte>();
        while (true)
        {
            var result = await server.Input.ReadAsync(timeout.Token);
            text.AddRange(result.Buffer.ToArray());
            server.Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        Assert.Equal("last words", System.Text.Encoding.ASCII.GetString(text.ToArray()));
    }

    [EpollFact]
    public async Task CloseAsync_SendsWhatWasWritten_ThenFin_AndRemoteEndPointIsThePeer()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await peer.ConnectAsync(Address, timeout.Token);
        var server = (await Listener.AcceptAsync(timeout.Token))!;

        Assert.Equal(((IPEndPoint)peer.LocalEndPoint!).Port, Assert.IsType<IPEndPoint>(server.RemoteEndPoint).Port);
        await server.Output.WriteAsync(new byte[100_000], timeout.Token);
        await server.CloseAsync();

        long total = 0;
        var buffer = new byte[16384];
        int n;
        while ((n = await peer.ReceiveAsync(buffer, timeout.Token)) > 0)
        {
            total += n;
        }

        Assert.Equal(100_000, total);
    }

    [EpollFact]
    public async Task Abort_EndsBothSides_AndThePeerSeesTheConnectionEnd()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var connect = EpollTransport.ConnectAsync(Address, timeout.Token);
        using var server = (await Listener.AcceptAsync(timeout.Token))!;
        using var client = await connect;

        var pending = client.Input.ReadAsync(timeout.Token);
        client.Abort();

        Assert.True((await pending).IsCompleted);
        Assert.True((await server.Input.ReadAsync(timeout.Token)).IsCompleted);
    }

    [EpollFact]
    public async Task ConnectToAClosedPort_IsRefused()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var closed = (IPEndPoint)probe.LocalEndPoint!;
        probe.Dispose();

        var error = await Assert.ThrowsAsync<SocketException>(async () => await EpollTransport.ConnectAsync(closed, CancellationToken.None));
        Assert.Equal(SocketError.ConnectionRefused, error.SocketErrorCode);
    }

    [EpollFact]
    public async Task HundredsOfConnections_OpenedAndClosed_EachTalkToTheirOwnPeer()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        // Slots and descriptor numbers are reused across these; an event meant for a closed connection must not
        // reach the one that took its place.
        for (int round = 0; round < 300; round++)
        {
            var connect = EpollTransport.ConnectAsync(Address, timeout.Token);
            var server = (await Listener.AcceptAsync(timeout.Token))!;
            using var client = await connect;
            var message = BitConverter.GetBytes(round);
            await client.Output.WriteAsync(message, timeout.Token);
            var result = await server.Input.ReadAtLeastAsync(4, timeout.Token);
            Assert.Equal(round, BitConverter.ToInt32(result.Buffer.Slice(0, 4).ToArray()));
            server.Input.AdvanceTo(result.Buffer.End);
            if (round % 2 == 0)
            {
                server.Dispose();
            }
            else
            {
                await server.CloseAsync();
            }

            Assert.True((await client.Input.ReadAsync(timeout.Token)).IsCompleted);
        }
    }
}
