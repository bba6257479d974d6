using System.Text;
using EdgeGw.Core.Configuration;
using EdgeGw.Server;
using EdgeGw.Server.Hosting;
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
    }

    public int Port { get; }
    public GatewayRuntime Runtime => _host.Runtime;
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    /// <summary>Loads <paramref name="json"/> through the real config pipeline; fails the test with every error if invalid.</summary>
    public static async Task<TestGateway> StartAsync(string json, TimeProvider? time = null)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        var configuration = GatewayConfiguration.Build(null, stream, [], environment: new Dictionary<string, string>());
        var result = GatewayConfigLoader.Load(configuration);
        if (result.Model is null)
        {
            throw new InvalidOperationException("Invalid test config:\n" + result.Format());
        }

        var host = await GatewayHost.StartAsync(result.Model, new GatewayHostOptions
        {
            ListenOverride = ["http://127.0.0.1:0"],
            MinimumLogLevel = LogLevel.Warning,
            Time = time ?? TimeProvider.System,
        });
        return new TestGateway(host);
    }

    public Task StopAsync() => _host.StopAsync();

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
