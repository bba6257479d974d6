using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EdgeGw.Core.Model;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using static EdgeGw.Server.FunctionalTests.ClientAddresses.ClientAddressConfig;

namespace EdgeGw.Server.FunctionalTests.ClientAddresses;

/// <summary>
/// The PROXY protocol from senders that are not ours: HAProxy (<c>send-proxy</c> / <c>send-proxy-v2</c> on a server
/// line, in TCP mode in front of the gateway) and curl (<c>--haproxy-protocol</c>, v1). The client connects from
/// another loopback address than the proxy's, so the address that reaches the backend shows whose it is.
/// </summary>
public sealed class ProxyProtocolInteropTests
{
    private static readonly ListenEntry ProxyListener = new("http://127.0.0.1:0", true, TimeSpan.FromSeconds(5));

    [HaproxyTheory]
    [InlineData("send-proxy")]
    [InlineData("send-proxy-v2")]
    public async Task Haproxy_PassesTheClientAddress(string option)
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Json(upstream.Authority), listen: ProxyListener);
        using var haproxy = await Haproxy.StartAsync(gateway.Port, option);
        await using var client = await RawClient.ConnectAsync(haproxy.Port, IPAddress.Parse("127.0.0.5"));

        await client.SendAsync(Get("/prod/echo/a"));
        var response = await client.ReadResponseAsync();

        Assert.Equal(200, response.Status);
        Assert.Equal("127.0.0.5", response.Header("x-echo-x-forwarded-for"));
        // Every header HAProxy sent (the start-up probes' connections too) was read, none refused.
        var counters = gateway.Runtime.ProxyProtocol;
        Assert.True(counters.Accepted >= 1);
        Assert.All(Enum.GetValues<Protocols.Proxy.ProxyHeaderError>(), reason => Assert.Equal(0, counters.Refused(reason)));
    }

    [CurlFact]
    public async Task Curl_HaproxyProtocol_V1_IsRead()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Json(upstream.Authority), listen: ProxyListener);

        var (exit, output) = await RunAsync("curl", "-s", "-i", "--max-time", "10", "--haproxy-protocol", "--interface", "127.0.0.7",
            $"http://127.0.0.1:{gateway.Port}/prod/echo/a");

        Assert.True(exit == 0, $"curl exited {exit}: {output}");
        Assert.StartsWith("HTTP/1.1 200", output, StringComparison.Ordinal);
        Assert.Contains("x-echo-x-forwarded-for: 127.0.0.7\r\n", output, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(1, gateway.Runtime.ProxyProtocol.Accepted);
    }

    internal static async Task<(int Exit, string Output)> RunAsync(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
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
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }

    internal static string? Find(params string[] paths)
    {
        foreach (var path in paths)
        {
            if (File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }
}

/// <summary>HAProxy in TCP mode on a loopback port, forwarding to the gateway with a PROXY protocol option; killed on dispose.</summary>
internal sealed class Haproxy : IDisposable
{
    public static readonly string? Executable = ProxyProtocolInteropTests.Find("/usr/sbin/haproxy", "/usr/bin/haproxy", "/usr/local/sbin/haproxy");
    public const string MissingMessage = "haproxy is not installed (apt-get install haproxy; .ci/run installs it): the HAProxy PROXY protocol interop tests skip";

    private readonly Process _process;
    private readonly string _config;

    private Haproxy(Process process, string config, int port)
    {
        _process = process;
        _config = config;
        Port = port;
    }

    public int Port { get; }

    public static async Task<Haproxy> StartAsync(int gatewayPort, string option)
    {
        int port = FreePort();
        string config = Path.Combine(Path.GetTempPath(), $"edgegw-haproxy-{Guid.NewGuid():N}.cfg");
        await File.WriteAllTextAsync(config, $"""
            global
              maxconn 64
            defaults
              mode tcp
              timeout connect 5s
              timeout client 30s
              timeout server 30s
            frontend in
              bind 127.0.0.1:{port}
              default_backend gateway
            backend gateway
              server gw 127.0.0.1:{gatewayPort} {option}

            """);
        var info = new ProcessStartInfo(Executable!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "-db", "-f", config })
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var haproxy = new Haproxy(process, config, port);
        // Its signal that it serves: the port accepts.
        if (!await Eventually.TrueAsync(() => process.HasExited || Accepts(port)) || process.HasExited)
        {
            haproxy.Dispose();
            throw new InvalidOperationException($"haproxy did not start listening on {port} (exit {(process.HasExited ? process.ExitCode : -1)})");
        }

        return haproxy;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }

        _process.Dispose();
        File.Delete(_config);
    }

    private static bool Accepts(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}

/// <summary>A theory that skips, saying why, when haproxy is not installed.</summary>
public sealed class HaproxyTheoryAttribute : TheoryAttribute
{
    public HaproxyTheoryAttribute()
    {
        if (Haproxy.Executable is null)
        {
            Skip = Haproxy.MissingMessage;
        }
    }
}

/// <summary>A fact that skips, saying why, when curl is not installed.</summary>
public sealed class CurlFactAttribute : FactAttribute
{
    public CurlFactAttribute()
    {
        if (ProxyProtocolInteropTests.Find("/usr/bin/curl", "/usr/local/bin/curl", "/bin/curl") is null)
        {
            Skip = "curl is not installed (.ci/run installs it): the curl --haproxy-protocol interop test skips";
        }
    }
}
