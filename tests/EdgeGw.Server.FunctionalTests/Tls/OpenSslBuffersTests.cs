using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using EdgeGw.Server.Tls;
using EdgeGw.Tests.Tls;

namespace EdgeGw.Server.FunctionalTests.Tls;

/// <summary>
/// <c>server.tls.releaseBuffers</c>: the mode reaches the connection's own OpenSSL object (read back with
/// <c>SSL_ctrl</c>, not taken on trust), and the connection works on with it — data both ways, several records,
/// one larger than a record. A real SslStream pair over loopback TCP.
/// </summary>
public sealed class OpenSslBuffersTests : IDisposable
{
    private const long ReleaseBuffers = 0x10; // SSL_MODE_RELEASE_BUFFERS
    private readonly TestCertificates _certs = new();

    public void Dispose() => _certs.Dispose();

    [Theory]
    [InlineData(SslProtocols.Tls12)]
    [InlineData(SslProtocols.Tls13)]
    public async Task TheModeIsSetOnTheServerConnection_AndItServesOnWithIt(SslProtocols protocol)
    {
        Assert.True(OperatingSystem.IsLinux(), "the gateway's TLS is OpenSSL's on Linux; this test is for it");
        var (certFile, keyFile, _) = _certs.Leaf("buffers", ["buffers.test"]);
        using var certificate = X509Certificate2.CreateFromPemFile(certFile, keyFile);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var clientSocket = new TcpClient();
        await clientSocket.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using var serverSocket = await listener.AcceptTcpClientAsync();
        await using var server = new SslStream(serverSocket.GetStream());
        await using var client = new SslStream(clientSocket.GetStream(), false, (_, _, _, _) => true);
        await Task.WhenAll(
            server.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate, EnabledSslProtocols = protocol }),
            client.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "buffers.test", EnabledSslProtocols = protocol }));

        long before = OpenSslBuffers.Mode(server);
        Assert.True(OpenSslNative.Available, OpenSslNative.Unavailable);
        Assert.Equal(0, before & ReleaseBuffers);
        Assert.True(OpenSslBuffers.TryRelease(server));
        long after = OpenSslBuffers.Mode(server);
        Assert.Equal(before | ReleaseBuffers, after); // only that bit changed
        Assert.Equal(0, OpenSslBuffers.Mode(client) & ReleaseBuffers);

        // Buffers are freed as they drain and allocated again for the next record: both ways, three times, the
        // last more than one record long.
        foreach (int size in new[] { 40, 1024, 40_000 })
        {
            byte[] request = Enumerable.Range(0, size).Select(i => (byte)i).ToArray();
            await client.WriteAsync(request);
            Assert.Equal(request, await ReadExactlyAsync(server, size));
            byte[] response = request.Reverse().ToArray();
            await server.WriteAsync(response);
            Assert.Equal(response, await ReadExactlyAsync(client, size));
        }
    }

    private static async Task<byte[]> ReadExactlyAsync(Stream stream, int size)
    {
        byte[] buffer = new byte[size];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await stream.ReadExactlyAsync(buffer, timeout.Token);
        return buffer;
    }
}
