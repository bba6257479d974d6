using System.Net;
using EdgeGw.Core.Model;
using EdgeGw.Server.Http1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeGw.Server.Hosting;

/// <summary>Options that are about the process rather than the gateway model.</summary>
public sealed class GatewayHostOptions
{
    public TimeProvider Time { get; init; } = TimeProvider.System;
    public LogLevel MinimumLogLevel { get; init; } = LogLevel.Information;
    /// <summary>Replaces the model's listen URLs (tests bind <c>http://127.0.0.1:0</c>).</summary>
    public IReadOnlyList<string>? ListenOverride { get; init; }

    /// <summary>
    /// Run connection continuations on the socket engine's thread instead of queueing them to the thread pool
    /// (Kestrel's <c>UnsafePreferInlineScheduling</c>). Safe here because nothing on the request path blocks;
    /// it removes a thread hop per read, which is most of the cost of a small proxied request.
    /// </summary>
    public bool InlineScheduling { get; init; }
}

/// <summary>
/// Kestrel with nothing but the gateway's connection handler on each listener: no HTTP middleware, no
/// HttpContext. Stopping drains in-flight requests for the model's drain timeout.
/// </summary>
public sealed class GatewayHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GatewayHost(WebApplication app, GatewayRuntime runtime)
    {
        _app = app;
        Runtime = runtime;
    }

    public GatewayRuntime Runtime { get; }

    /// <summary>Bound addresses, with real ports when port 0 was asked for.</summary>
    public IReadOnlyList<Uri> Addresses { get; private set; } = [];

    public IHostApplicationLifetime Lifetime => _app.Lifetime;

    public static async Task<GatewayHost> StartAsync(GatewayModel model, GatewayHostOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new GatewayHostOptions();
        var runtime = new GatewayRuntime(model, options.Time);
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(options.MinimumLogLevel);
        builder.Services.AddSingleton(runtime);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = model.Server.DrainTimeout);
        builder.WebHost.UseKestrelCore();
        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = options.InlineScheduling);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // The gateway enforces its own limits; Kestrel's HTTP limits do not apply to a connection handler.
            foreach (var url in options.ListenOverride ?? model.Server.Listen)
            {
                var (address, port, localhost) = ParseListenUrl(url);
                if (localhost)
                {
                    kestrel.ListenLocalhost(port, Use);
                }
                else
                {
                    kestrel.Listen(address, port, Use);
                }
            }
        });

        var app = builder.Build();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var host = new GatewayHost(app, runtime);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        host.Addresses = addresses is null ? [] : addresses.Select(a => new Uri(a)).ToList();
        return host;
    }

    private static void Use(ListenOptions listen) => listen.UseConnectionHandler<GatewayConnectionHandler>();

    /// <summary>Parses <c>http://host:port</c>; host may be an IP, <c>localhost</c>, <c>*</c> or <c>+</c>.</summary>
    internal static (IPAddress Address, int Port, bool Localhost) ParseListenUrl(string url)
    {
        var uri = new Uri(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal));
        if (uri.IsLoopback && string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return (IPAddress.Loopback, uri.Port, true);
        }

        return (IPAddress.Parse(uri.Host.Trim('[', ']')), uri.Port, false);
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync().ConfigureAwait(false);
        Runtime.Dispose();
    }
}
