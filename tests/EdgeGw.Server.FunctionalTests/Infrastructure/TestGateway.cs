using System.Text;
using EdgeGw.Core.Configuration;
using EdgeGw.Core.Model;
using EdgeGw.Server;
using EdgeGw.Server.Hosting;
using EdgeGw.Transport;
using Microsoft.Extensions.Logging;

namespace EdgeGw.Server.FunctionalTests.Infrastructure;

/// <summary>The real gateway, in process, on a loopback port chosen by the OS, built from a JSON config.</summary>
public sealed class TestGateway : IAsyncDisposable
{
    private readonly GatewayHost _host;

    private TestGateway(GatewayHost host)
    {
        _host = host;
        var address = host.Addresses[0];
        Port = address.Port;
        AdminPort = host.AdminAddresses.Count > 0 ? host.AdminAddresses[0].Port : 0;
    }

    /// <summary>
    /// The transport every test gateway runs on: the config's default (epoll on Linux) unless
    /// EDGEGW_TEST_TRANSPORT names one, so that CI runs this suite once per transport.
    /// </summary>
    public static TransportKind? Transport { get; } = ReadTransport();

    public int Port { get; }
    /// <summary>The admin API's port (every test gateway has one, on loopback).</summary>
    public int AdminPort { get; }
    public GatewayRuntime Runtime => _host.Runtime;
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");
    /// <summary>Every bound gateway address, in the order of the listen URLs.</summary>
    public IReadOnlyList<Uri> Addresses => _host.Addresses;

    /// <summary>Loads <paramref name="json"/> through the real config pipeline; fails the test with every error if invalid.</summary>
    /// <param name="logs">Receives the gateway's log lines (information and above), beside the console.</param>
    /// <param name="listen">The listener's options (its URL is replaced by loopback port 0); null: a plain listener.</param>
    /// <param name="urls">Instead of <paramref name="listen"/>: the gateway's listen URLs (e.g. https and http on port 0); <see cref="Port"/> is the first's.</param>
    public static async Task<TestGateway> StartAsync(string json, TimeProvider? time = null, LogCapture? logs = null, ListenEntry? listen = null, string[]? urls = null)
    {
        var model = BuildModel(json);
        var host = await GatewayHost.StartAsync(model, new GatewayHostOptions
        {
            ListenOverride = urls is not null
                ? [.. urls.Select(ListenEntry.Plain)]
                : [listen is null ? ListenEntry.Plain("http://127.0.0.1:0") : listen with { Url = "http://127.0.0.1:0" }],
            AdminListenOverride = ["http://127.0.0.1:0"],
            // A test that captures lines sees the information ones (recoveries) too.
            MinimumLogLevel = logs is null ? LogLevel.Warning : LogLevel.Information,
            Time = time ?? TimeProvider.System,
            TransportOverride = Transport,
            LoggerProviders = logs is null ? [] : [logs],
        });
        return new TestGateway(host);
    }

    /// <summary>Compiles <paramref name="json"/> into a runtime model through the real loader (for Swap tests too).</summary>
    public static GatewayModel BuildModel(string json)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        var configuration = GatewayConfiguration.Build(null, stream, [], environment: new Dictionary<string, string>());
        var result = GatewayConfigLoader.Load(configuration);
        if (result.Model is null)
        {
            throw new InvalidOperationException("Invalid test config:\n" + result.Format());
        }

        return result.Model;
    }

    private static TransportKind? ReadTransport()
    {
        var name = Environment.GetEnvironmentVariable("EDGEGW_TEST_TRANSPORT");
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }

        if (!Enum.TryParse<TransportKind>(name, ignoreCase: true, out var kind) || !Enum.IsDefined(kind))
        {
            throw new InvalidOperationException($"EDGEGW_TEST_TRANSPORT='{name}': expected 'sockets' or 'epoll'.");
        }

        if (kind == TransportKind.Epoll && !EpollTransport.IsSupported)
        {
            throw new InvalidOperationException("EDGEGW_TEST_TRANSPORT=epoll: the epoll transport is not supported on this machine.");
        }

        return kind;
    }

    /// <summary>An HttpClient for ordinary requests to this gateway (own handler, so pooled connections are per test).</summary>
    public System.Net.Http.HttpClient CreateClient() =>
        new(new System.Net.Http.SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false })
        {
            BaseAddress = BaseAddress,
            Timeout = TimeSpan.FromSeconds(20),
        };

    /// <summary>An HttpClient for the admin API.</summary>
    public System.Net.Http.HttpClient CreateAdminClient() =>
        new(new System.Net.Http.SocketsHttpHandler { UseProxy = false })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{AdminPort}"),
            Timeout = TimeSpan.FromSeconds(20),
        };

    public Task<RawClient> ConnectRawAsync() => RawClient.ConnectAsync(Port);

    public Task StopAsync() => _host.StopAsync();

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
