using System.Net;
using EdgeGw.Core.Model;
using EdgeGw.Server.Admin;
using EdgeGw.Server.Http1;
using EdgeGw.Server.Logging;
using EdgeGw.Server.ProxyProtocol;
using EdgeGw.Server.Tls;
using EdgeGw.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace EdgeGw.Server.Hosting;

/// <summary>
/// Kestrel with nothing but the gateway's connection handler on each listener: no HTTP middleware, no
/// HttpContext. Stopping drains in-flight requests for the model's drain timeout.
/// </summary>
public sealed class GatewayHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GatewayHost(WebApplication app, GatewayRuntime runtime, ILoggerFactory logs)
    {
        _app = app;
        Runtime = runtime;
        Logs = logs;
    }

    public GatewayRuntime Runtime { get; }

    /// <summary>The gateway's loggers (level and console format from the model's <c>logging</c> section).</summary>
    public ILoggerFactory Logs { get; }

    /// <summary>Bound addresses, with real ports when port 0 was asked for.</summary>
    public IReadOnlyList<Uri> Addresses { get; private set; } = [];

    /// <summary>Bound addresses of the admin API (empty when disabled).</summary>
    public IReadOnlyList<Uri> AdminAddresses { get; private set; } = [];

    public IHostApplicationLifetime Lifetime => _app.Lifetime;

    public static async Task<GatewayHost> StartAsync(GatewayModel model, GatewayHostOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new GatewayHostOptions();
        var transport = options.TransportOverride ?? model.Server.Transport;
        var logs = CreateLoggerFactory(model.Logging, options);
        var runtime = new GatewayRuntime(model, options.Time, transport, logs) { ExecutionLog = options.ExecutionLog };
        var gatewayUrls = options.ListenOverride ?? model.Server.Listen;
        var adminUrls = options.AdminListenOverride ?? model.Admin.Listen;
        var gatewayListeners = new List<ListenOptions>();
        var adminListeners = new List<ListenOptions>();
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        // One logger factory for the gateway's lines and the host's (Kestrel's), owned by this host.
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(logs);
        builder.Services.AddSingleton(runtime);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = model.Server.DrainTimeout);
        builder.WebHost.UseKestrelCore();
        if (transport == TransportKind.Epoll)
        {
            builder.Services.AddSingleton<IConnectionListenerFactory, EpollListenerFactory>();
        }
        else
        {
            // Kestrel's socket transport, as UseSockets would register it, wrapped in the descriptor budget.
            builder.Services.Configure<SocketTransportOptions>(sockets => sockets.UnsafePreferInlineScheduling = options.InlineScheduling);
            builder.Services.AddSingleton<IConnectionListenerFactory>(services => new BudgetedListenerFactory(
                ActivatorUtilities.CreateInstance<SocketTransportFactory>(services), DescriptorBudget.Process));
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // The gateway enforces its own limits; Kestrel's HTTP limits do not apply to a connection handler.
            foreach (var entry in gatewayUrls)
            {
                bool https = Core.Tls.TlsSettings.IsHttps(entry.Url);
                Listen(kestrel, entry.Url, gatewayListeners, listen =>
                {
                    // Connection middleware runs in the order it is added: the PROXY protocol header comes first on
                    // the wire, so its step comes first, then TLS, then the gateway's handler.
                    if (entry.ProxyProtocol)
                    {
                        listen.Use(next => new ProxyProtocolStep(next, runtime, entry.ProxyProtocolTimeout).OnConnectionAsync);
                    }

                    if (https)
                    {
                        // TLS as connection middleware: it wraps the transport pipe, so both transports get it.
                        listen.Use(next => new TlsHandshake(next, runtime).OnConnectionAsync);
                    }

                    listen.UseConnectionHandler<GatewayConnectionHandler>();
                });
            }

            foreach (var url in adminUrls)
            {
                // Outside the descriptor budget (AdminEndPoint), so /metrics answers while the gateway is full.
                var (address, port, _) = ParseListenUrl(url);
                kestrel.Listen(new AdminEndPoint(address, port), listen =>
                {
                    adminListeners.Add(listen);
                    listen.UseConnectionHandler<AdminConnectionHandler>();
                });
            }
        });

        var app = builder.Build();
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // A listen address in use (IOException naming it) or refused (SocketException): nothing keeps running.
            await app.DisposeAsync().ConfigureAwait(false);
            runtime.Dispose();
            logs.Dispose();
            throw;
        }

        var host = new GatewayHost(app, runtime, logs);
        host.Addresses = BoundAddresses(gatewayListeners, gatewayUrls.Select(static e => e.Url).ToList());
        host.AdminAddresses = BoundAddresses(adminListeners);
        runtime.OnListening(host.Addresses, host.AdminAddresses, gatewayUrls.Count() + adminUrls.Count());
        return host;
    }

    /// <summary>
    /// The console logger at the model's level (text: the gateway's lines as they read; json: one object per line, not indented), the
    /// standard <c>Logging</c> configuration over it, and without the host's banner lines.
    /// </summary>
    internal static ILoggerFactory CreateLoggerFactory(LoggingSettings settings, GatewayHostOptions options) => LoggerFactory.Create(logging =>
    {
        logging.SetMinimumLevel(options.MinimumLogLevel ?? (LogLevel)settings.Level);
        if (options.LoggingConfiguration is { } configuration)
        {
            logging.AddConfiguration(configuration);
        }

        // Warnings and errors on stderr, the rest on stdout, as the CLI's own lines go.
        logging.AddConsole(o =>
        {
            o.FormatterName = settings.Format == LogFormat.Json ? ConsoleFormatterNames.Json : GatewayTextFormatter.FormatterName;
            o.LogToStandardErrorThreshold = LogLevel.Warning;
        });
        logging.AddConsoleFormatter<GatewayTextFormatter, ConsoleFormatterOptions>();
        logging.Services.Configure<JsonConsoleFormatterOptions>(o =>
        {
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            o.UseUtcTimestamp = true;
        });

        foreach (var provider in options.LoggerProviders)
        {
            logging.AddProvider(provider);
        }

        // "Now listening on", "Application started", "Hosting environment", "Content root": the gateway says
        // where it serves in its own start line.
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.None);
        // "Hosting failed to start" with the whole stack: a start failure is thrown to the caller, which reports it.
        logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.Critical);
    });

    private static void Listen(KestrelServerOptions kestrel, string url, List<ListenOptions> bound, Action<ListenOptions> configure)
    {
        var (address, port, localhost) = ParseListenUrl(url);
        Action<ListenOptions> record = listen =>
        {
            bound.Add(listen);
            configure(listen);
        };
        if (localhost)
        {
            kestrel.ListenLocalhost(port, record);
        }
        else
        {
            kestrel.Listen(address, port, record);
        }
    }

    /// <summary>
    /// An admin listener's address: its connections are not counted against the <see cref="DescriptorBudget"/>
    /// (the admin API is loopback and low-volume; its descriptors come out of the budget's headroom). A name
    /// of "localhost" binds 127.0.0.1 only.
    /// </summary>
    internal sealed class AdminEndPoint(IPAddress address, int port) : IPEndPoint(address, port);

    /// <summary>Kestrel writes the bound endpoint (with the real port for port 0) back into each ListenOptions.</summary>
    /// <param name="urls">The URLs the listeners were made from, in order (their scheme says http or https); null for http only.</param>
    private static List<Uri> BoundAddresses(List<ListenOptions> listeners, List<string>? urls = null)
    {
        var addresses = new List<Uri>();
        for (int i = 0; i < listeners.Count; i++)
        {
            var listen = listeners[i];
            if (listen.EndPoint is IPEndPoint ip)
            {
                string scheme = urls is not null && i < urls.Count && Core.Tls.TlsSettings.IsHttps(urls[i]) ? "https" : "http";
                addresses.Add(new Uri($"{scheme}://{(ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{ip.Address}]" : ip.Address.ToString())}:{ip.Port}"));
            }
        }

        return addresses;
    }

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

    public Task StopAsync(CancellationToken cancellationToken = default) => _app.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync().ConfigureAwait(false);
        Runtime.Dispose();
        // Last: the console logger writes what is queued before it goes.
        Logs.Dispose();
    }
}
