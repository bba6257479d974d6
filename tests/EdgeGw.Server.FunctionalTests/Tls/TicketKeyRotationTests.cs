using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using EdgeGw.Server.Tls;
using EdgeGw.Tests.Tls;
using Microsoft.Extensions.Time.Testing;
using static EdgeGw.Server.FunctionalTests.Tls.TlsFixture;

namespace EdgeGw.Server.FunctionalTests.Tls;

/// <summary>
/// <c>server.tls.ticketKeyRotationSeconds</c>: a context's session-ticket keys are replaced once they are as old as
/// the interval (read back from OpenSSL, not taken on trust), and through the gateway a ticket issued before a
/// rotation no longer resumes while one issued after it does — seen by <c>openssl s_client -sess_in</c>. The
/// gateway's clock is a fake one, advanced past the interval: no waiting for time to pass.
/// </summary>
public sealed class TicketKeyRotationTests : IDisposable
{
    private readonly TestCertificates _certs = new();

    public void Dispose() => _certs.Dispose();

    [Fact]
    public async Task AContextsKeys_AreReplaced_OnlyOnceTheyAreAsOldAsTheInterval()
    {
        Assert.True(OperatingSystem.IsLinux(), "the gateway's TLS is OpenSSL's on Linux; this test is for it");
        var (certFile, keyFile, _) = _certs.Leaf("rotation", ["rotation.test"]);
        using var certificate = X509Certificate2.CreateFromPemFile(certFile, keyFile);
        var context = SslStreamCertificateContext.Create(certificate, null);
        await using var first = await ServerSideAsync(context);
        TicketKeyRotation.Forget(first);
        byte[] original = TicketKeyRotation.Keys(first);
        Assert.True(original.Length >= 48, $"{original.Length} bytes of ticket keys");

        const long Interval = 1000;
        Assert.True(TicketKeyRotation.Check(first, now: 5000, Interval)); // first seen: its keys are as old as that
        Assert.True(TicketKeyRotation.Check(first, now: 5999, Interval));
        Assert.Equal(original, TicketKeyRotation.Keys(first));

        Assert.True(TicketKeyRotation.Check(first, now: 6000, Interval));
        byte[] rotated = TicketKeyRotation.Keys(first);
        Assert.NotEqual(original, rotated);
        Assert.Equal(original.Length, rotated.Length);

        // Another connection of the same context shares its keys; within the next interval nothing changes.
        await using var second = await ServerSideAsync(context);
        Assert.Equal(rotated, TicketKeyRotation.Keys(second));
        Assert.True(TicketKeyRotation.Check(second, now: 6999, Interval));
        Assert.Equal(rotated, TicketKeyRotation.Keys(second));
    }

    [ToolFact("openssl")]
    public async Task ThroughTheGateway_ATicketFromBeforeARotationNoLongerResumes_OneFromAfterDoes()
    {
        var (cert, key, _) = _certs.Leaf("api", ["api.test"], withChain: true);
        string tls = $$"""{ "certificates": [ {{Certificate(cert, key)}} ], "ticketKeyRotationSeconds": 60 }""";
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(WithTls(GatewayConfigs.Standard(upstream.Authority), tls), time: clock, urls: ["https://127.0.0.1:0"]);
        // A first handshake: the context is seen (and its clock starts) before any ticket the test keeps.
        await SClientAsync(gateway, "-tls1_3");
        foreach (var version in new[] { "-tls1_3", "-tls1_2" })
        {
            string before = Path.Combine(_certs.Directory, $"before{version}.pem");
            string after = Path.Combine(_certs.Directory, $"after{version}.pem");
            Assert.Contains("New, TLSv1.", await SClientAsync(gateway, version, "-sess_out", before), StringComparison.Ordinal);
            Assert.Contains("Reused, TLSv1.", await SClientAsync(gateway, version, "-sess_in", before), StringComparison.Ordinal);

            // Past the interval, the next handshake on the context rotates its keys (after it completes).
            clock.Advance(TimeSpan.FromSeconds(61));
            await SClientAsync(gateway, version);
            Assert.Contains("New, TLSv1.", await SClientAsync(gateway, version, "-sess_in", before), StringComparison.Ordinal);

            Assert.Contains("New, TLSv1.", await SClientAsync(gateway, version, "-sess_out", after), StringComparison.Ordinal);
            Assert.Contains("Reused, TLSv1.", await SClientAsync(gateway, version, "-sess_in", after), StringComparison.Ordinal);
        }
    }

    private async Task<string> SClientAsync(TestGateway gateway, string version, params string[] session)
    {
        var (exit, output) = await ToolInteropTests.RunAsync("openssl", ["s_client", "-connect", $"127.0.0.1:{gateway.Port}", "-servername", "api.test", version,
            "-CAfile", _certs.CaFile, "-ign_eof", .. session]);
        Assert.True(exit == 0, output);
        Assert.Contains("HTTP/1.1 200 OK", output, StringComparison.Ordinal);
        return output;
    }

    /// <summary>The server side of a TLS 1.3 connection over loopback TCP, handshake done.</summary>
    private static async Task<SslStream> ServerSideAsync(SslStreamCertificateContext context)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var clientSocket = new TcpClient();
        await clientSocket.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        var serverSocket = await listener.AcceptTcpClientAsync();
        var server = new SslStream(serverSocket.GetStream());
        var client = new SslStream(clientSocket.GetStream(), false, (_, _, _, _) => true);
        await Task.WhenAll(
            server.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificateContext = context, EnabledSslProtocols = SslProtocols.Tls13 }),
            client.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "rotation.test", EnabledSslProtocols = SslProtocols.Tls13 }));
        return server;
    }
}
