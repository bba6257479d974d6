using System.Diagnostics;
using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using EdgeGw.Tests.Tls;

namespace EdgeGw.Server.FunctionalTests.Tls;

/// <summary>
/// An https gateway for the TLS tests: certificates from <see cref="TestCertificates"/>, a <c>server.tls</c>
/// section spliced into one of the standard configs, and clients that trust only the test CA.
/// </summary>
internal static class TlsFixture
{
    public static string Json(string value) => System.Text.Json.JsonSerializer.Serialize(value);

    public static string Certificate(string cert, string key, bool isDefault = false) =>
        $$"""{ "certFile": {{Json(cert)}}, "keyFile": {{Json(key)}}, "default": {{(isDefault ? "true" : "false")}} }""";

    /// <summary><paramref name="config"/> with <c>"tls": {tls}</c> added to its server section.</summary>
    public static string WithTls(string config, string tls)
    {
        const string server = "\"server\": {";
        int at = config.IndexOf(server, StringComparison.Ordinal);
        Assert.True(at >= 0, "the config has no server section");
        return config.Insert(at + server.Length, $" \"tls\": {tls},");
    }

    public static Task<TestGateway> StartAsync(string config, string tls, LogCapture? logs = null, bool alsoHttp = false) =>
        TestGateway.StartAsync(WithTls(config, tls), logs: logs, urls: alsoHttp ? ["https://127.0.0.1:0", "http://127.0.0.1:0"] : ["https://127.0.0.1:0"]);

    /// <summary>A TLS connection to the gateway; <paramref name="serverName"/> null sends no SNI.</summary>
    public static async Task<(Socket Socket, SslStream Ssl)> ConnectAsync(TestGateway gateway, TestCertificates certs, string? serverName,
        SslProtocols protocols = SslProtocols.None, bool validate = true)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, gateway.Port);
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true));
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                // An IP address as target host: the client sends no SNI.
                TargetHost = serverName ?? "127.0.0.1",
                EnabledSslProtocols = protocols,
                ApplicationProtocols = [SslApplicationProtocol.Http11],
                RemoteCertificateValidationCallback = (_, cert, _, _) => !validate || (cert is not null && certs.Trusts(cert)),
            }, timeout.Token);
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }

        return (socket, ssl);
    }

    /// <summary>The subject CN of the certificate the gateway served for <paramref name="serverName"/>.</summary>
    public static async Task<string> ServedNameAsync(TestGateway gateway, TestCertificates certs, string? serverName)
    {
        var (_, ssl) = await ConnectAsync(gateway, certs, serverName);
        await using (ssl)
        {
            return ssl.RemoteCertificate!.Subject;
        }
    }

    /// <summary>Sends one GET over <paramref name="ssl"/> and reads the response until the body of <c>Content-Length</c> is in.</summary>
    public static async Task<string> GetAsync(SslStream ssl, string path, string host = "gw.test")
    {
        await ssl.WriteAsync(Encoding.ASCII.GetBytes($"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n"));
        var received = new StringBuilder();
        var buffer = new byte[16 * 1024];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            int n = await ssl.ReadAsync(buffer, timeout.Token);
            if (n == 0)
            {
                return received.ToString();
            }

            received.Append(Encoding.ASCII.GetString(buffer, 0, n));
            string text = received.ToString();
            int end = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (end < 0)
            {
                continue;
            }

            var length = System.Text.RegularExpressions.Regex.Match(text[..end], "(?im)^content-length:\\s*(\\d+)");
            if (length.Success && text.Length - end - 4 >= int.Parse(length.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
            {
                return text;
            }
        }
    }

    /// <summary>An HttpClient that reaches the gateway's https port for any host name and trusts only the test CA.</summary>
    public static HttpClient CreateClient(TestGateway gateway, TestCertificates certs) =>
        new(new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(IPAddress.Loopback, gateway.Port, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && certs.Trusts(cert) },
        })
        { Timeout = TimeSpan.FromSeconds(20) };

    /// <summary>One counter of the admin API's <c>/metrics</c>, e.g. <c>edgegw_tls_handshake_failures_total{reason="timeout"}</c>.</summary>
    public static async Task<long> MetricAsync(TestGateway gateway, string series)
    {
        using var admin = gateway.CreateAdminClient();
        string text = await admin.GetStringAsync("/metrics");
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return long.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        throw new Xunit.Sdk.XunitException($"no metric {series} in:\n{text}");
    }

    /// <summary>
    /// <see cref="MetricAsync"/> once it reaches <paramref name="expected"/> (or after 10 s): the gateway counts a
    /// handshake when its side of it ends, which can be after the client's side returned.
    /// </summary>
    public static async Task<long> MetricReachingAsync(TestGateway gateway, string series, long expected)
    {
        var clock = Stopwatch.StartNew();
        long value = await MetricAsync(gateway, series);
        while (value < expected && clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
            value = await MetricAsync(gateway, series);
        }

        return value;
    }

    public static string Failures(string reason) => $"edgegw_tls_handshake_failures_total{{reason=\"{reason}\"}}";
}
