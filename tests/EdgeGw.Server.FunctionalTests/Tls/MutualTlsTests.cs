using System.Net;
using System.Net.Http;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using EdgeGw.Tests.Tls;
using static EdgeGw.Server.FunctionalTests.Tls.TlsFixture;

namespace EdgeGw.Server.FunctionalTests.Tls;

/// <summary>
/// Mutual TLS on a custom domain: the client's chain is verified against the domain's truststore only, refused
/// (require) or ignored (optional) when it does not verify, and the verified certificate reaches the backend as
/// X-Client-Cert-* headers, never the client's own copies of them.
/// </summary>
public sealed class MutualTlsTests : IDisposable
{
    private readonly TestCertificates _server = new();
    private readonly TestPki _pki = TestPki.Create();
    private readonly X509Certificate2 _clientCa;
    private readonly string _clientCaFile;
    private readonly LogCapture _logs = new();

    public MutualTlsTests()
    {
        // Valid from 60 days ago, so an expired client certificate can have been issued by it.
        _clientCa = ClientCertificate(null, "Client CA", fromDays: -60, toDays: 30, ca: true);
        _clientCaFile = _pki.WriteCertificate(_clientCa, "client-ca.pem");
    }

    public void Dispose()
    {
        _server.Dispose();
        _pki.Dispose();
    }

    private async Task<(TestGateway Gateway, UpstreamServer Upstream)> StartAsync(string mode, string extra = "", string? accessLog = null)
    {
        var upstream = UpstreamServer.StartPerRequest((context, _) => context.RespondAsync(200, "ok"));
        var (cert, key, _) = _server.Leaf("mtls", ["mtls.test"]);
        var (plainCert, plainKey, _) = _server.Leaf("plain", ["plain.test"]);
        string config = $$"""
            { "server": { "listen": ["https://127.0.0.1:0", "http://127.0.0.1:0"] }, {{(accessLog is null ? "" : $"\"accessLog\": {accessLog},")}}
              "clusters": [ { "name": "up", "destinations": ["{{upstream.Authority}}"] } ],
              "domains": [
                { "name": "mtls.test", "certificate": { "certFile": {{Json(cert)}}, "keyFile": {{Json(key)}} },
                  "mutualTls": { "truststoreFile": {{Json(_clientCaFile)}}, "mode": "{{mode}}" {{extra}} },
                  "mappings": [ { "path": "", "api": "t", "stage": "prod" } ] },
                { "name": "plain.test", "certificate": { "certFile": {{Json(plainCert)}}, "keyFile": {{Json(plainKey)}} },
                  "mappings": [ { "path": "", "api": "t", "stage": "prod" } ] } ],
              "apis": [ { "name": "t", "stages": [ { "name": "prod" } ],
                          "routes": [ { "key": "ANY /{proxy+}", "integration": { "type": "http", "cluster": "up" } } ] } ] }
            """;
        var gateway = await TestGateway.StartAsync(config, logs: _logs, urls: ["https://127.0.0.1:0", "http://127.0.0.1:0"]);
        return (gateway, upstream);
    }

    /// <summary>A client certificate signed by <paramref name="issuer"/> (with its key), valid from/to the given days from now.</summary>
    private static X509Certificate2 ClientCertificate(X509Certificate2? issuer, string subject, int fromDays = -1, int toDays = 10, bool ca = false)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={subject}, O=EdgeGw Tests", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(ca, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(ca ? X509KeyUsageFlags.KeyCertSign : X509KeyUsageFlags.DigitalSignature, true));
        if (!ca)
        {
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], false));
        }

        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        byte[] serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7F;
        if (issuer is null)
        {
            return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(fromDays), DateTimeOffset.UtcNow.AddDays(toDays));
        }

        using var signed = request.Create(issuer, DateTimeOffset.UtcNow.AddDays(fromDays), DateTimeOffset.UtcNow.AddDays(toDays), serial);
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>One request over TLS to <paramref name="serverName"/> with <paramref name="client"/> (and its intermediates) as the client certificate.</summary>
    private async Task<string> RequestAsync(TestGateway gateway, string serverName, X509Certificate2? client, string extraHeaders = "", X509Certificate2[]? intermediates = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, gateway.Port);
        await using var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = serverName,
            RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && _server.Trusts(cert),
            ClientCertificateContext = client is null ? null : SslStreamCertificateContext.Create(client, new X509Certificate2Collection(intermediates ?? []), offline: true),
        }, timeout.Token);
        await ssl.WriteAsync(Encoding.ASCII.GetBytes($"GET /who HTTP/1.1\r\nHost: {serverName}\r\n{extraHeaders}Connection: close\r\n\r\n"), timeout.Token);
        using var reader = new StreamReader(ssl);
        // TLS 1.3: a refused client certificate arrives as an alert on the first read, after the client's handshake ended.
        return await reader.ReadToEndAsync(timeout.Token);
    }

    /// <summary>
    /// The handshake was refused: under TLS 1.2 the client's handshake fails; under TLS 1.3 it completes on the
    /// client's side first, and the refusal (an alert, or the close after it) ends the first read without a response.
    /// </summary>
    private static async Task AssertRefusedAsync(Func<Task<string>> request, string what)
    {
        string? response = null;
        var error = await Record.ExceptionAsync(async () => response = await request());
        Assert.True(error is AuthenticationException or IOException || response == "", $"{what}: {error?.ToString() ?? response}");
    }

    [Fact]
    public async Task Require_VerifiedCertificate_ReachesTheBackendAsHeaders()
    {
        var (gateway, upstream) = await StartAsync("require");
        await using var _ = gateway;
        await using var __ = upstream;
        using var alice = ClientCertificate(_clientCa, "alice");

        string response = "";
        try
        {
            response = await RequestAsync(gateway, "mtls.test", alice);
        }
        catch (IOException e)
        {
            Assert.Fail($"{e.Message}; gateway log: {string.Join(" | ", _logs.Lines.Select(l => l.Message))}; failures: {string.Join(",", Enum.GetValues<EdgeGw.Server.Tls.TlsFailure>().Select(f => $"{f}={gateway.Runtime.Tls.Failures(f)}"))} handshakes={gateway.Runtime.Tls.Handshakes}");
        }

        Assert.StartsWith("HTTP/1.1 200 ", response, StringComparison.Ordinal);
        Assert.True(upstream.Requests.TryDequeue(out var seen));
        Assert.Equal("CN=alice, O=EdgeGw Tests", seen.Header("X-Client-Cert-Subject"));
        Assert.Equal("CN=Client CA, O=EdgeGw Tests", seen.Header("X-Client-Cert-Issuer"));
        Assert.Equal(alice.SerialNumber, seen.Header("X-Client-Cert-Serial"));
        Assert.Equal(alice.NotAfter.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture), seen.Header("X-Client-Cert-Not-After"));
        string pem = Uri.UnescapeDataString(seen.Header("X-Client-Cert")!);
        Assert.Equal(alice.RawData, X509Certificate2.CreateFromPem(pem).RawData);
    }

    [ToolFact("openssl")]
    public async Task AccessLog_HasTheClientCertificate_AsOpensslReadsIt()
    {
        string log = Path.Combine(_pki.Directory, "access.log");
        string format = """{"id":"$context.requestId","subject":"$context.identity.clientCert.subjectDN","issuer":"$context.identity.clientCert.issuerDN","serial":"$context.identity.clientCert.serialNumber","notBefore":"$context.identity.clientCert.validity.notBefore","notAfter":"$context.identity.clientCert.validity.notAfter","pem":"$context.identity.clientCert.clientCertPem"}""";
        var (gateway, upstream) = await StartAsync("optional", accessLog: $$"""{ "destination": {{Json(log)}}, "format": {{System.Text.Json.JsonSerializer.Serialize(format)}} }""");
        await using var _ = gateway;
        await using var __ = upstream;
        using var alice = ClientCertificate(_clientCa, "alice");

        Assert.StartsWith("HTTP/1.1 200 ", await RequestAsync(gateway, "mtls.test", alice), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200 ", await RequestAsync(gateway, "mtls.test", null), StringComparison.Ordinal);
        Assert.True(await Eventually.TrueAsync(() => File.Exists(log) && File.ReadAllLines(log).Length >= 2), "two access log lines");

        var lines = File.ReadAllLines(log);
        using var with = System.Text.Json.JsonDocument.Parse(lines[0]);
        using var without = System.Text.Json.JsonDocument.Parse(lines[1]);
        string pemFile = Path.Combine(_pki.Directory, "alice.pem");
        await File.WriteAllTextAsync(pemFile, alice.ExportCertificatePem());
        // OpenSSL's own reading of the certificate: the subject in its order, comma-separated (as AWS writes it), the dates as OpenSSL prints them.
        var (exit, output) = await ToolInteropTests.RunAsync("openssl", "x509", "-in", pemFile, "-noout", "-subject", "-issuer", "-serial", "-startdate", "-enddate", "-nameopt", "sep_comma_plus,esc_2253,utf8");
        Assert.True(exit == 0, output);
        var fields = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).ToDictionary(l => l[..l.IndexOf('=')], l => l[(l.IndexOf('=') + 1)..].Trim());
        Assert.Equal(fields["subject"], with.RootElement.GetProperty("subject").GetString());
        Assert.Equal(fields["issuer"], with.RootElement.GetProperty("issuer").GetString());
        Assert.Equal(fields["serial"], with.RootElement.GetProperty("serial").GetString()!.Replace(":", "", StringComparison.Ordinal), ignoreCase: true);
        Assert.Equal(fields["notBefore"], with.RootElement.GetProperty("notBefore").GetString());
        Assert.Equal(fields["notAfter"], with.RootElement.GetProperty("notAfter").GetString());
        Assert.Equal(alice.RawData, X509Certificate2.CreateFromPem(with.RootElement.GetProperty("pem").GetString()).RawData);
        // Without a certificate (optional mode): "-", as for any variable without a value.
        Assert.Equal("-", without.RootElement.GetProperty("subject").GetString());
        Assert.Equal("-", without.RootElement.GetProperty("pem").GetString());
    }

    [Fact]
    public async Task Require_RefusesNoCertificate_AnotherCasCertificate_AndAnExpiredOne()
    {
        var (gateway, upstream) = await StartAsync("require");
        await using var _ = gateway;
        await using var __ = upstream;
        var otherCa = _pki.CreateCa("Other CA");
        using var stranger = ClientCertificate(otherCa, "mallory");
        using var expired = ClientCertificate(_clientCa, "late", fromDays: -30, toDays: -1);

        foreach (var client in new[] { null, stranger, expired })
        {
            await AssertRefusedAsync(() => RequestAsync(gateway, "mtls.test", client), client?.Subject ?? "no certificate");
        }

        Assert.Equal(0, upstream.RequestsSeen);
        Assert.Equal(3, gateway.Runtime.Tls.Failures(EdgeGw.Server.Tls.TlsFailure.ClientCertificate));
    }

    [Fact]
    public async Task Require_RefusesAChainLongerThanFour()
    {
        var (gateway, upstream) = await StartAsync("require");
        await using var _ = gateway;
        await using var __ = upstream;
        using var first = ClientCertificate(_clientCa, "int1", ca: true);
        using var second = ClientCertificate(first, "int2", ca: true);
        using var third = ClientCertificate(second, "int3", ca: true);
        using var leaf = ClientCertificate(third, "deep");
        using var shallowLeaf = ClientCertificate(second, "shallow");

        // root, int1, int2, leaf: four, the most AWS allows.
        Assert.StartsWith("HTTP/1.1 200 ", await RequestAsync(gateway, "mtls.test", shallowLeaf, intermediates: [second, first]), StringComparison.Ordinal);
        await AssertRefusedAsync(() => RequestAsync(gateway, "mtls.test", leaf, intermediates: [third, second, first]), "a chain of five");
        Assert.Equal(1, upstream.RequestsSeen);
        Assert.Equal(1, gateway.Runtime.Tls.Failures(EdgeGw.Server.Tls.TlsFailure.ClientCertificate));
    }

    [Fact]
    public async Task Optional_WithoutOrWithABadCertificate_ServesWithoutIdentity()
    {
        var (gateway, upstream) = await StartAsync("optional");
        await using var _ = gateway;
        await using var __ = upstream;
        var otherCa = _pki.CreateCa("Other CA");
        using var stranger = ClientCertificate(otherCa, "mallory");
        using var alice = ClientCertificate(_clientCa, "alice");

        Assert.StartsWith("HTTP/1.1 200 ", await RequestAsync(gateway, "mtls.test", null), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200 ", await RequestAsync(gateway, "mtls.test", stranger), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 200 ", await RequestAsync(gateway, "mtls.test", alice), StringComparison.Ordinal);

        var seen = upstream.Requests.ToArray();
        Assert.Equal(3, seen.Length);
        Assert.Null(seen[0].Header("X-Client-Cert-Subject"));
        Assert.Null(seen[1].Header("X-Client-Cert-Subject"));
        Assert.Equal("CN=alice, O=EdgeGw Tests", seen[2].Header("X-Client-Cert-Subject"));
    }

    [Fact]
    public async Task ClientSentCertificateHeaders_AreStripped_OnEveryListenerAndDomain()
    {
        var (gateway, upstream) = await StartAsync("optional", """, "forwardCertificate": false""");
        await using var _ = gateway;
        await using var __ = upstream;
        using var alice = ClientCertificate(_clientCa, "alice");
        const string Forged = "X-Client-Cert-Subject: CN=admin\r\nx-client-cert: forged\r\nX-CLIENT-CERT-SERIAL: 01\r\n";

        await RequestAsync(gateway, "mtls.test", alice, Forged);
        await RequestAsync(gateway, "mtls.test", null, Forged);
        await RequestAsync(gateway, "plain.test", null, Forged);
        using (var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{gateway.Addresses[1].Port}") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/prod/who");
            request.Headers.TryAddWithoutValidation("X-Client-Cert-Subject", "CN=admin");
            using var response = await http.SendAsync(request);
        }

        var seen = upstream.Requests.ToArray();
        Assert.Equal(4, seen.Length);
        Assert.Equal("CN=alice, O=EdgeGw Tests", seen[0].Header("X-Client-Cert-Subject"));
        Assert.Null(seen[0].Header("X-Client-Cert")); // forwardCertificate: false
        Assert.Equal(alice.SerialNumber, seen[0].Header("X-Client-Cert-Serial"));
        foreach (var request in seen[1..])
        {
            Assert.DoesNotContain("client-cert", request.RawHead, StringComparison.OrdinalIgnoreCase);
        }
    }

    [ToolFact("curl")]
    public async Task Curl_WithAClientCertificate_IsAdmitted_AndWithoutOne_Refused()
    {
        var (gateway, upstream) = await StartAsync("require");
        await using var _ = gateway;
        await using var __ = upstream;
        using var alice = ClientCertificate(_clientCa, "alice");
        string certFile = _pki.WriteCertificate(alice, "alice.pem");
        string keyFile = _pki.WriteKey(alice, "alice.key");
        string url = $"https://mtls.test:{gateway.Port}/who";
        string resolve = $"mtls.test:{gateway.Port}:127.0.0.1";

        var (exit, output) = await ToolInteropTests.RunAsync("curl", "-sS", "--fail", "--resolve", resolve, "--cacert", _server.CaFile, "--cert", certFile, "--key", keyFile, "-w", "\n%{http_code}", url);
        Assert.True(exit == 0, output);
        Assert.EndsWith("200", output.TrimEnd(), StringComparison.Ordinal);

        var (refusedExit, refused) = await ToolInteropTests.RunAsync("curl", "-sS", "--resolve", resolve, "--cacert", _server.CaFile, url);
        Assert.True(refusedExit != 0, refused);
        Assert.Equal(1, upstream.RequestsSeen);
    }

    [ToolFact("openssl")]
    public async Task OpensslSClient_AResumedSession_StillCarriesTheVerifiedIdentity()
    {
        var (gateway, upstream) = await StartAsync("require");
        await using var _ = gateway;
        await using var __ = upstream;
        using var alice = ClientCertificate(_clientCa, "alice");
        string certFile = _pki.WriteCertificate(alice, "alice.pem");
        string keyFile = _pki.WriteKey(alice, "alice.key");
        foreach (var version in new[] { "-tls1_3", "-tls1_2" })
        {
            string session = Path.Combine(_pki.Directory, $"session{version}.pem");
            string[] common = ["s_client", "-connect", $"127.0.0.1:{gateway.Port}", "-servername", "mtls.test", version, "-CAfile", _server.CaFile,
                "-cert", certFile, "-key", keyFile, "-ign_eof"];
            // A full handshake saves the session, the next one resumes it. Twice at most: once in a loaded CI run the
            // resuming handshake came back "New" (the platform's OpenSSL declined the ticket; not reproduced in 24
            // runs alone), and the point here is what a resumed session carries, which the second pair still shows.
            string second = "";
            int pairs = 0;
            while (pairs < 2 && !second.Contains("Reused, TLSv1.", StringComparison.Ordinal))
            {
                pairs++;
                var (exit, first) = await ToolInteropTests.RunAsync("openssl", [.. common, "-sess_out", session]);
                Assert.True(exit == 0, first);
                Assert.Contains("HTTP/1.1 200 OK", first, StringComparison.Ordinal);
                int exit2;
                (exit2, second) = await ToolInteropTests.RunAsync("openssl", [.. common, "-sess_in", session]);
                Assert.True(exit2 == 0, second);
                Assert.Contains("HTTP/1.1 200 OK", second, StringComparison.Ordinal);
            }

            Assert.True(second.Contains("Reused, TLSv1.", StringComparison.Ordinal), $"{version}: not resumed in 2 attempts:\n{second}");
            // Resumed or not, the backend is told who the client is each time.
            Assert.Equal(2 * pairs, upstream.Requests.Count);
            while (upstream.Requests.TryDequeue(out var seen))
            {
                Assert.True(seen.Header("X-Client-Cert-Subject") == "CN=alice, O=EdgeGw Tests", $"{version}: {second}");
            }
        }
    }
}
