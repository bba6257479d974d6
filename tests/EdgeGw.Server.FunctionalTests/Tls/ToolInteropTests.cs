using System.Diagnostics;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using EdgeGw.Tests.Tls;
using static EdgeGw.Server.FunctionalTests.Tls.TlsFixture;

namespace EdgeGw.Server.FunctionalTests.Tls;

/// <summary>The https listener against TLS clients that are not ours: curl and openssl s_client (installed by .ci/run).</summary>
public sealed class ToolInteropTests : IDisposable
{
    private readonly TestCertificates _certs = new();

    public void Dispose() => _certs.Dispose();

    private string Tls()
    {
        var (cert, key, _) = _certs.Leaf("api", ["api.test", "*.api.test"], withChain: true);
        return $$"""{ "certificates": [ {{Certificate(cert, key)}} ] }""";
    }

    [ToolFact("curl")]
    public async Task Curl_VerifiesAgainstTheCa_AndGetsTheResponse()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await StartAsync(GatewayConfigs.Standard(upstream.Authority), Tls());

        var (exit, output) = await RunAsync("curl", "-sS", "--fail", "--resolve", $"v.api.test:{gateway.Port}:127.0.0.1", "--cacert", _certs.CaFile,
            "-w", "\n%{http_code} %{ssl_verify_result}", $"https://v.api.test:{gateway.Port}/prod/echo/curl");

        Assert.True(exit == 0, output);
        Assert.EndsWith("200 0", output.TrimEnd(), StringComparison.Ordinal);
    }

    [ToolFact("openssl")]
    public async Task OpensslSClient_ResumesTls13AndTls12Sessions()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await StartAsync(GatewayConfigs.Standard(upstream.Authority), Tls());
        foreach (var version in new[] { "-tls1_3", "-tls1_2" })
        {
            string session = Path.Combine(_certs.Directory, $"session{version}.pem");
            var (exit, first) = await RunAsync("openssl", "s_client", "-connect", $"127.0.0.1:{gateway.Port}", "-servername", "api.test", version,
                "-CAfile", _certs.CaFile, "-verify_return_error", "-alpn", "http/1.1", "-ign_eof", "-sess_out", session);
            Assert.True(exit == 0, first);
            Assert.Contains("New, TLSv1.", first, StringComparison.Ordinal);
            Assert.Contains("ALPN protocol: http/1.1", first, StringComparison.Ordinal);
            Assert.Contains("Verify return code: 0 (ok)", first, StringComparison.Ordinal);
            Assert.Contains("HTTP/1.1 200 OK", first, StringComparison.Ordinal);

            var (exit2, second) = await RunAsync("openssl", "s_client", "-connect", $"127.0.0.1:{gateway.Port}", "-servername", "api.test", version,
                "-CAfile", _certs.CaFile, "-ign_eof", "-sess_in", session);
            Assert.True(exit2 == 0, second);
            Assert.Contains("Reused, TLSv1.", second, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// Runs a tool, bounded to 20 s. s_client gets one request with <c>Connection: close</c> on stdin (with
    /// <c>-ign_eof</c> it reads until the gateway closes, so a TLS 1.3 ticket sent after the handshake is saved).
    /// </summary>
    internal static async Task<(int Exit, string Output)> RunAsync(string tool, params string[] args)
    {
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        if (tool == "openssl")
        {
            await process.StandardInput.WriteAsync("GET /prod/mock HTTP/1.1\r\nHost: api.test\r\nConnection: close\r\n\r\n");
        }

        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{tool} killed after 20 s\n{await stdout}\n{await stderr}");
        }

        return (process.ExitCode, $"{await stdout}\n{await stderr}");
    }
}

/// <summary>A fact that skips, saying so, when a command-line tool is not on PATH.</summary>
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(string tool)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        if (!path.Split(':').Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, tool))))
        {
            Skip = $"{tool} is not installed (.ci/run installs it with apt-get)";
        }
    }
}
