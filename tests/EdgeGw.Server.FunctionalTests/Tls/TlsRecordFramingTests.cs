using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using EdgeGw.Tests.Tls;
using static EdgeGw.Server.FunctionalTests.Tls.TlsFixture;

namespace EdgeGw.Server.FunctionalTests.Tls;

/// <summary>
/// How client TLS records reach the gateway's decrypt pump (<c>TlsPipe</c>): split across many TCP segments,
/// several in one segment, large upload records, and application data sent together with the handshake's end.
/// Run on the transport the suite runs on.
/// </summary>
public sealed class TlsRecordFramingTests : IDisposable
{
    private readonly TestCertificates _certs = new();

    public void Dispose() => _certs.Dispose();

    private string Certificate()
    {
        var (cert, key, _) = _certs.Leaf("api", ["api.test"]);
        return $$"""{ "certificates": [ {{TlsFixture.Certificate(cert, key, isDefault: true)}} ] }""";
    }

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task RecordsArrivingAByteAtATime_AreServed(SslProtocols protocol)
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await StartAsync(GatewayConfigs.Standard(upstream.Authority), Certificate());
        await using var wire = await WireStream.ConnectAsync(gateway.Port);
        await using var ssl = await AuthenticateAsync(wire, protocol);

        // Every byte, handshake and request records alike, in a segment of its own.
        wire.Mode = WireMode.ByteAtATime;
        string first = await GetAsync(ssl, "/prod/mock");
        string second = await GetAsync(ssl, "/prod/echo/a?b=1");
        Assert.StartsWith("HTTP/1.1 200", first, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nhi", first, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200", second, StringComparison.Ordinal);
        Assert.Contains("x-echo-path: /v1/a", second, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task TheHandshakeSentAByteAtATime_Completes()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await StartAsync(GatewayConfigs.Standard(upstream.Authority), Certificate());
        await using var wire = await WireStream.ConnectAsync(gateway.Port);
        wire.Mode = WireMode.ByteAtATime;
        await using var ssl = await AuthenticateAsync(wire, SslProtocols.Tls13);

        Assert.StartsWith("HTTP/1.1 200", await GetAsync(ssl, "/prod/mock"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SeveralRecordsInOneSegment_AreAllServed_InOrder()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await StartAsync(GatewayConfigs.Standard(upstream.Authority), Certificate());
        await using var wire = await WireStream.ConnectAsync(gateway.Port);
        await using var ssl = await AuthenticateAsync(wire, SslProtocols.Tls13);

        // Three requests, each its own record (and the middle one split over two records), sent in one segment.
        wire.Mode = WireMode.Held;
        await ssl.WriteAsync(Encoding.ASCII.GetBytes("GET /prod/echo/1 HTTP/1.1\r\nHost: gw.test\r\n\r\n"));
        await ssl.WriteAsync(Encoding.ASCII.GetBytes("GET /prod/echo/2 HTTP/1.1\r\nHo"));
        await ssl.WriteAsync(Encoding.ASCII.GetBytes("st: gw.test\r\n\r\n"));
        await ssl.WriteAsync(Encoding.ASCII.GetBytes("GET /prod/echo/3 HTTP/1.1\r\nHost: gw.test\r\n\r\n"));
        Assert.True(wire.HeldRecords >= 4, $"{wire.HeldRecords} records held");
        await wire.ReleaseAsync();

        string responses = await ReadResponsesAsync(ssl, 3);
        int one = responses.IndexOf("x-echo-path: /v1/1", StringComparison.OrdinalIgnoreCase);
        int two = responses.IndexOf("x-echo-path: /v1/2", StringComparison.OrdinalIgnoreCase);
        int three = responses.IndexOf("x-echo-path: /v1/3", StringComparison.OrdinalIgnoreCase);
        Assert.True(one >= 0 && two > one && three > two, responses);
    }

    [Fact]
    public async Task ARequestSentWithTheClientsFinished_IsServed()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await StartAsync(GatewayConfigs.Standard(upstream.Authority), Certificate());
        await using var wire = await WireStream.ConnectAsync(gateway.Port);

        // TLS 1.3: the client's Finished is the handshake's last message, and the client's side is done once it is
        // written. Hold it, then send it in one segment with the first request's record.
        wire.HoldAfterHandshakeRecords = true;
        await using var ssl = await AuthenticateAsync(wire, SslProtocols.Tls13);
        await ssl.WriteAsync(Encoding.ASCII.GetBytes("GET /prod/mock HTTP/1.1\r\nHost: gw.test\r\n\r\n"));
        await wire.ReleaseAsync();

        string response = await ReadResponsesAsync(ssl, 1);
        Assert.StartsWith("HTTP/1.1 200", response, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALargeUpload_InFullSizeRecords_ReachesTheBackendWhole()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await StartAsync(GatewayConfigs.Standard(upstream.Authority, maxBodyBytes: 4 << 20), Certificate());
        using var client = CreateClient(gateway, _certs);
        var body = new byte[(1 << 20) + 12_345];
        new Random(7).NextBytes(body);

        using var response = await client.PostAsync("https://api.test/prod/echo/upload", new ByteArrayContent(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsByteArrayAsync());
    }

    private async Task<SslStream> AuthenticateAsync(Stream wire, SslProtocols protocol)
    {
        var ssl = new SslStream(wire, leaveInnerStreamOpen: true);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "api.test",
            EnabledSslProtocols = protocol,
            RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && _certs.Trusts(cert),
        }, timeout.Token);
        return ssl;
    }

    /// <summary>Reads until <paramref name="count"/> responses with Content-Length bodies are in.</summary>
    private static async Task<string> ReadResponsesAsync(SslStream ssl, int count)
    {
        var received = new StringBuilder();
        var buffer = new byte[16 * 1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (Complete(received.ToString()) < count)
        {
            int n = await ssl.ReadAsync(buffer, timeout.Token);
            if (n == 0)
            {
                break;
            }

            received.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }

        return received.ToString();

        static int Complete(string text)
        {
            int responses = 0, at = 0;
            while (true)
            {
                int end = text.IndexOf("\r\n\r\n", at, StringComparison.Ordinal);
                if (end < 0)
                {
                    return responses;
                }

                var length = System.Text.RegularExpressions.Regex.Match(text[at..end], "(?im)^content-length:\\s*(\\d+)");
                int bodyLength = length.Success ? int.Parse(length.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
                if (text.Length - end - 4 < bodyLength)
                {
                    return responses;
                }

                responses++;
                at = end + 4 + bodyLength;
            }
        }
    }

    private enum WireMode
    {
        /// <summary>Writes go out as the SslStream makes them.</summary>
        Passthrough,
        /// <summary>Every byte is its own send (TCP_NODELAY), so records arrive split at every point.</summary>
        ByteAtATime,
        /// <summary>Writes are held until <see cref="WireStream.ReleaseAsync"/> sends them in one segment.</summary>
        Held,
    }

    /// <summary>The client's socket as a stream whose writes can be split per byte or held and sent together.</summary>
    private sealed class WireStream : Stream
    {
        private readonly Socket _socket;
        private readonly NetworkStream _stream;
        private readonly MemoryStream _held = new();

        private WireStream(Socket socket)
        {
            _socket = socket;
            _stream = new NetworkStream(socket, ownsSocket: true);
        }

        public WireMode Mode { get; set; }

        /// <summary>Hold every write after the first (the ClientHello): in TLS 1.3 the client's Finished and what follows.</summary>
        public bool HoldAfterHandshakeRecords { get; set; }

        public int HeldRecords { get; private set; }

        private int _writes;

        public static async Task<WireStream> ConnectAsync(int port)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(IPAddress.Loopback, port);
            return new WireStream(socket);
        }

        public async Task ReleaseAsync()
        {
            Mode = WireMode.Passthrough;
            HoldAfterHandshakeRecords = false;
            await _socket.SendAsync(_held.ToArray(), SocketFlags.None);
            _held.SetLength(0);
            HeldRecords = 0;
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _writes++;
            if (Mode == WireMode.Held || (HoldAfterHandshakeRecords && _writes >= 2))
            {
                _held.Write(buffer.Span);
                HeldRecords++;
                return;
            }

            if (Mode == WireMode.ByteAtATime)
            {
                for (int i = 0; i < buffer.Length; i++)
                {
                    await _socket.SendAsync(buffer.Slice(i, 1), SocketFlags.None, cancellationToken);
                }

                return;
            }

            await _stream.WriteAsync(buffer, cancellationToken);
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            _stream.ReadAsync(buffer, cancellationToken);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => _stream.Read(buffer, offset, count);
        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override void Flush() { }
        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override bool CanRead => true;
        public override bool CanWrite => true;
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        public override async ValueTask DisposeAsync()
        {
            await _stream.DisposeAsync();
            await base.DisposeAsync();
        }
    }
}
