using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Authentication;
using System.Text;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using EdgeGw.Tests.Tls;
using static EdgeGw.Server.FunctionalTests.Tls.TlsFixture;

namespace EdgeGw.Server.FunctionalTests.Tls;

/// <summary>HTTPS listeners: SNI, versions, hot reload, bad input, forwarding over TLS (on the transport the suite runs on).</summary>
public sealed class TlsListenerTests : IDisposable
{
    private readonly TestCertificates _certs = new();

    public void Dispose() => _certs.Dispose();

    /// <summary>api.test (RSA, the default), *.wild.test (ECDSA).</summary>
    private string TwoCertificates(string extra = "")
    {
        var (apiCert, apiKey, _) = _certs.Leaf("api", ["api.test"], rsa: true);
        var (wildCert, wildKey, _) = _certs.Leaf("wild", ["*.wild.test"]);
        return $$"""{ "certificates": [ {{Certificate(apiCert, apiKey, isDefault: true)}}, {{Certificate(wildCert, wildKey)}} ] {{extra}} }""";
    }

    [Fact]
    public async Task Sni_SelectsExactAndWildcardNames_AndTheDefaultOtherwise()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await StartAsync(GatewayConfigs.Standard(upstream.Authority), TwoCertificates());

        Assert.Equal("CN=api.test", await ServedNameAsync(gateway, _certs, "api.test"));
        Assert.Equal("CN=*.wild.test", await ServedNameAsync(gateway, _certs, "a.wild.test"));
        Assert.Equal("CN=*.wild.test", await ServedNameAsync(gateway, _certs, "B.Wild.Test"));
        // A wildcard stands for one label only; unknown names and no SNI get the default.
        Assert.Equal("CN=api.test", await ServedNameAsync(gateway, _certs, "a.b.wild.test"));
        Assert.Equal("CN=api.test", await ServedNameAsync(gateway, _certs, "unknown.test"));
        Assert.Equal("CN=api.test", await ServedNameAsync(gateway, _certs, null));
        Assert.Equal(6, await MetricReachingAsync(gateway, "edgegw_tls_handshakes_total", 6));
    }

    [Fact]
    public async Task UnknownSni_Reject_RefusesTheHandshake_AndCountsIt()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await StartAsync(GatewayConfigs.Standard(upstream.Authority), TwoCertificates(""", "unknownSni": "reject" """));

        await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(gateway, _certs, "unknown.test"));
        Assert.Equal("CN=*.wild.test", await ServedNameAsync(gateway, _certs, "x.wild.test"));
        // No SNI is not an unknown name: the default serves it.
        Assert.Equal("CN=api.test", await ServedNameAsync(gateway, _certs, null));
        Assert.Equal(1, await MetricReachingAsync(gateway, Failures("unknown_sni"), 1));
    }

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task Tls12And13_ServeRequests_WithAlpnHttp11(SslProtocols protocol)
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await StartAsync(GatewayConfigs.Standard(upstream.Authority), TwoCertificates());
        var (_, ssl) = await ConnectAsync(gateway, _certs, "api.test", protocol);
        await using var _ = ssl;

        Assert.Equal(protocol, ssl.SslProtocol);
        Assert.Equal(System.Net.Security.SslApplicationProtocol.Http11, ssl.NegotiatedApplicationProtocol);
        string first = await GetAsync(ssl, "/prod/mock");
        string second = await GetAsync(ssl, "/prod/mock");
        Assert.StartsWith("HTTP/1.1 200", first, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nhi", first, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200", second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MinVersion13_RefusesTls12()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await StartAsync(GatewayConfigs.Standard(upstream.Authority), TwoCertificates(""", "minVersion": "1.3" """));

        await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(gateway, _certs, "api.test", SslProtocols.Tls12));
        var (_, ssl) = await ConnectAsync(gateway, _certs, "api.test", SslProtocols.Tls13);
        await ssl.DisposeAsync();
        Assert.True(await Eventually.TrueAsync(() => gateway.Runtime.Tls.Failures(EdgeGw.Server.Tls.TlsFailure.Protocol) == 1));
    }

    [Fact]
    public async Task CertificateFilesChanged_NewHandshakesGetTheNewCertificate_OpenConnectionsKeepServing()
    {
        await using var upstream = Upstreams.Echo();
        var (cert, key, original) = _certs.Leaf("live", ["live.test"]);
        var logs = new LogCapture();
        await using var gateway = await StartAsync(GatewayConfigs.Standard(upstream.Authority), $$"""{ "certificates": [ {{Certificate(cert, key)}} ] }""", logs);
        var (_, open) = await ConnectAsync(gateway, _certs, "live.test");
        await using var _ = open;
        Assert.StartsWith("HTTP/1.1 200", await GetAsync(open, "/prod/mock"), StringComparison.Ordinal);

        var (_, _, renewed) = _certs.Leaf("live", ["live.test", "also.test"]);
        TestCertificates.Touch(cert, 5);
        TestCertificates.Touch(key, 5);
        Assert.True(gateway.Runtime.Tls.CheckCertificateFiles());

        var (_, fresh) = await ConnectAsync(gateway, _certs, "also.test");
        await using (fresh)
        {
            Assert.Equal(renewed.Thumbprint, new System.Security.Cryptography.X509Certificates.X509Certificate2(fresh.RemoteCertificate!).Thumbprint);
        }

        // The connection from before the reload keeps its session and its certificate.
        Assert.StartsWith("HTTP/1.1 200", await GetAsync(open, "/prod/mock"), StringComparison.Ordinal);
        Assert.Equal(original.Thumbprint, new System.Security.Cryptography.X509Certificates.X509Certificate2(open.RemoteCertificate!).Thumbprint);

        // A key that does not match: logged, the renewed certificate stays.
        var (_, otherKey, _) = _certs.Leaf("other", ["other.test"]);
        File.Copy(otherKey, key, overwrite: true);
        TestCertificates.Touch(key, 10);
        Assert.False(gateway.Runtime.Tls.CheckCertificateFiles());
        Assert.Equal("CN=live.test", await ServedNameAsync(gateway, _certs, "also.test"));
        Assert.Equal(1, await MetricAsync(gateway, "edgegw_tls_certificate_reloads_total"));
        Assert.Equal(1, await MetricAsync(gateway, "edgegw_tls_certificate_reload_failures_total"));
        Assert.Contains(logs.Lines, l => l.EventId.Id == 311 && l.Message.Contains("does not match", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ForwardedRequest_SaysHttpsToTheBackend()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await StartAsync(GatewayConfigs.Standard(upstream.Authority), TwoCertificates(), alsoHttp: true);
        using var client = CreateClient(gateway, _certs);

        using var response = await client.GetAsync("https://api.test/prod/echo/x");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("https", string.Join(",", response.Headers.GetValues("x-echo-x-forwarded-proto")));

        // The plain listener beside it still says http.
        using var plain = new HttpClient();
        using var viaHttp = await plain.GetAsync($"{gateway.Addresses[1]}prod/echo/x");
        Assert.Equal("http", string.Join(",", viaHttp.Headers.GetValues("x-echo-x-forwarded-proto")));
    }

    [Fact]
    public async Task Wss_ThroughATunnel_ExchangesMessages()
    {
        var (echo, authority) = await WebSocketEchoServer.StartAsync();
        await using var _ = echo;
        await using var gateway = await StartAsync(GatewayConfigs.Standard(authority), TwoCertificates());
        using var invoker = new HttpMessageInvoker(new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, gateway.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
            SslOptions = new System.Net.Security.SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && _certs.Trusts(cert) },
        });
        using var client = new ClientWebSocket();
        await client.ConnectAsync(new Uri("wss://x.wild.test/prod/echo/ws"), invoker, CancellationToken.None);

        await client.SendAsync(Encoding.UTF8.GetBytes("over tls"), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[1024];
        var received = await client.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal("over tls", Encoding.UTF8.GetString(buffer, 0, received.Count));
        await client.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        Assert.Equal(WebSocketCloseStatus.NormalClosure, client.CloseStatus);
    }

    [Fact]
    public async Task PlainHttpToTheHttpsPort_IsAnswered400AndClosed()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await StartAsync(GatewayConfigs.Standard(upstream.Authority), TwoCertificates());
        await using var raw = await gateway.ConnectRawAsync();

        string response = await SendAndReadToCloseAsync(gateway.Port, "GET /prod/mock HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());

        Assert.StartsWith("HTTP/1.1 400 Bad Request", response, StringComparison.Ordinal);
        Assert.Contains("plain HTTP request was sent to HTTPS port", response, StringComparison.Ordinal);
        Assert.Equal(1, await MetricReachingAsync(gateway, Failures("not_tls"), 1));
    }

    [Fact]
    public async Task ClientHelloToAnHttpPort_IsA400FromThePlainListener()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));

        // A TLS 1.2 record header and the start of a ClientHello: no HTTP request line.
        string response = await SendAndReadToCloseAsync(gateway.Port, [0x16, 0x03, 0x01, 0x00, 0x2f, 0x01, 0x00, 0x00, 0x2b, 0x03, 0x03, 0x00, 0x00, 0x00, (byte)'\r', (byte)'\n', (byte)'\r', (byte)'\n']);

        Assert.StartsWith("HTTP/1.1 400", response, StringComparison.Ordinal);
    }

    public static TheoryData<string, byte[], string> BadHandshakes => new()
    {
        { "garbage first byte", [0x00, 0x01, 0x02, 0x03], "not_tls" },
        { "truncated ClientHello, then close", [0x16, 0x03, 0x01, 0x00, 0xc8, 0x01, 0x00, 0x00, 0xc4, 0x03, 0x03], "other" },
        { "record longer than TLS allows", [0x16, 0x03, 0x01, 0xff, 0xff, 0x01, 0x00, 0xff, 0xfb], "protocol" },
        { "huge ClientHello over many records", HugeClientHello(), "protocol" },
    };

    [Theory]
    [MemberData(nameof(BadHandshakes))]
    public async Task BadHandshake_ClosesQuickly_IsCounted_AndTheListenerGoesOn(string what, byte[] bytes, string reason)
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await StartAsync(GatewayConfigs.Standard(upstream.Authority), TwoCertificates());
        var clock = Stopwatch.StartNew();

        await SendAndReadToCloseAsync(gateway.Port, bytes, halfClose: true);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"{what}: closed after {clock.Elapsed}");
        Assert.True(await Eventually.TrueAsync(() => FailureCount(gateway, reason) == 1), $"{what}: {reason} not counted");
        Assert.Equal("CN=api.test", await ServedNameAsync(gateway, _certs, "api.test"));
    }

    [Fact]
    public async Task ClientThatNeverFinishesTheHandshake_IsClosedAtTheTimeout()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await StartAsync(GatewayConfigs.Standard(upstream.Authority), TwoCertificates(""", "handshakeTimeoutSeconds": 1 """));
        var clock = Stopwatch.StartNew();

        await SendAndReadToCloseAsync(gateway.Port, [0x16, 0x03, 0x01]);

        Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(5));
        Assert.Equal(1, await MetricReachingAsync(gateway, Failures("timeout"), 1));
        Assert.Equal("CN=api.test", await ServedNameAsync(gateway, _certs, null));
    }

    [Fact]
    public async Task GarbageAfterTheHandshake_ClosesTheConnection()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await StartAsync(GatewayConfigs.Standard(upstream.Authority), TwoCertificates());
        var (socket, ssl) = await ConnectAsync(gateway, _certs, "api.test");
        await using var _ = ssl;
        Assert.StartsWith("HTTP/1.1 200", await GetAsync(ssl, "/prod/mock"), StringComparison.Ordinal);

        // Not a TLS record: written under the session, straight to the socket.
        await socket.SendAsync(Encoding.ASCII.GetBytes("GET /prod/mock HTTP/1.1\r\n\r\n"));
        // At most an alert record, then the end of the stream (or a reset), well within the read timeout.
        var buffer = new byte[256];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        int total = 0;
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
            {
                total += n;
            }
        }
        catch (SocketException)
        {
        }

        Assert.False(timeout.IsCancellationRequested);
        Assert.InRange(total, 0, 64);
        Assert.True(await Eventually.TrueAsync(() => gateway.Runtime.ActiveConnections == 0));
    }

    private static long FailureCount(TestGateway gateway, string reason) =>
        gateway.Runtime.Tls.Failures(Enum.GetValues<EdgeGw.Server.Tls.TlsFailure>().Single(r => EdgeGw.Server.Tls.TlsErrorLog.Label(r) == reason));

    /// <summary>
    /// Handshake records of 16 KiB, each a fragment of one ClientHello announcing 16 MB: more than the gateway
    /// reads before it gives up.
    /// </summary>
    private static byte[] HugeClientHello()
    {
        var bytes = new List<byte>();
        for (int record = 0; record < 6; record++)
        {
            bytes.AddRange([0x16, 0x03, 0x01, 0x40, 0x00]);
            var fragment = new byte[0x4000];
            if (record == 0)
            {
                fragment[0] = 0x01;
                fragment[1] = 0xff;
                fragment[2] = 0xff;
                fragment[3] = 0xff;
                fragment[4] = 0x03;
                fragment[5] = 0x03;
            }

            bytes.AddRange(fragment);
        }

        return bytes.ToArray();
    }

    /// <summary>Sends <paramref name="bytes"/> and reads until the gateway closes (a reset counts as closed).</summary>
    private static async Task<string> SendAndReadToCloseAsync(int port, byte[] bytes, bool halfClose = false)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        var received = new List<byte>();
        try
        {
            await socket.SendAsync(bytes);
            if (halfClose)
            {
                socket.Shutdown(SocketShutdown.Send);
            }

            var buffer = new byte[4096];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            int n;
            while ((n = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token)) > 0)
            {
                received.AddRange(buffer.AsSpan(0, n));
            }
        }
        catch (SocketException)
        {
        }

        return Encoding.ASCII.GetString(received.ToArray());
    }
}
