using System.Collections.Immutable;
using EdgeGw.Core.ClientAddresses;
using EdgeGw.Core.Infrastructure;
using EdgeGw.Core.Model;
using EdgeGw.Core.Tls;
using EdgeGw.Transport;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.Configuration;

/// <summary>Listeners, timeouts and client limits as written.</summary>
internal sealed record ServerConfig(
    ImmutableArray<ListenConfig> Listen,
    int DrainTimeoutSeconds,
    int KeepAliveTimeoutSeconds,
    int RequestHeadTimeoutSeconds,
    int TunnelIdleTimeoutSeconds,
    int TunnelMaxLifetimeSeconds,
    string Transport,
    LimitsConfig Limits,
    int SendTimeoutSeconds = ServerSettings.DefaultSendTimeoutSeconds)
{
    /// <summary><c>server.trustedProxies</c> as written (empty: X-Forwarded-For is never believed).</summary>
    public ImmutableArray<string> TrustedProxies { get; init; } = [];
}

/// <summary>
/// One <c>server.listen</c> element as written: a URL string, or an object with <c>url</c> and per-listener options
/// (<paramref name="IsObject"/>: errors then name <c>server.listen[i].url</c>).
/// </summary>
internal sealed record ListenConfig(string? Url, bool IsObject, bool ProxyProtocol = false, int? ProxyProtocolTimeoutSeconds = null)
{
    /// <summary>Reading it reported an error already (validation leaves it alone).</summary>
    public bool Unread { get; init; }
}

/// <param name="MaxConnections">Client connections served at once; more are answered 503 and closed.</param>
/// <param name="MaxRequestsPerConnection">Requests served on one connection before the gateway closes it (0: no limit).</param>
/// <param name="MinBodyBytesPerSecond">
/// A request body must arrive at least this fast, after a grace period of the head timeout (0: only the
/// per-read timeout applies). Stops clients that keep a body alive one byte at a time.
/// </param>
internal sealed record LimitsConfig(
    int MaxRequestLineBytes, int MaxHeaderBytes, int MaxHeaderCount, long MaxBodyBytes, int MaxConnections, int MaxRequestsPerConnection, int MinBodyBytesPerSecond);

/// <summary>
/// <c>server</c>: the gateway's listeners, lifecycle timeouts and limits on what a client controls, compiled
/// into <see cref="ServerSettings"/>. Gateway-wide rather than a feature, so it lives with the loader.
/// </summary>
internal sealed class ServerSection : IConfigSection
{
    /// <summary>Defaults applied when a key is absent. They are documented in README.md; keep both in step.</summary>
    public const string DefaultListen = "http://0.0.0.0:8080";
    public const int DefaultDrainTimeoutSeconds = 30;
    public const int DefaultKeepAliveTimeoutSeconds = 120;
    public const int DefaultRequestHeadTimeoutSeconds = 10;
    public const string DefaultTransport = "auto";
    public const int DefaultMaxRequestLineBytes = 8 * 1024;
    public const int DefaultMaxHeaderBytes = 32 * 1024;
    public const int DefaultMaxHeaderCount = 100;
    public const long DefaultMaxBodyBytes = 10 * 1024 * 1024;
    public const int DefaultMinBodyBytesPerSecond = 240;

    private const string Key = "server";
    private static readonly string[] ListenKeys = ["url", "proxyProtocol", "proxyProtocolTimeoutSeconds"];
    private static readonly string[] ServerKeys =
        ["listen", "trustedProxies", "drainTimeoutSeconds", "keepAliveTimeoutSeconds", "requestHeadTimeoutSeconds", "tunnelIdleTimeoutSeconds", "tunnelMaxLifetimeSeconds", "sendTimeoutSeconds", "transport", "limits", "tls"];
    private static readonly string[] LimitKeys = ["maxRequestLineBytes", "maxHeaderBytes", "maxHeaderCount", "maxBodyBytes", "maxConnections", "maxRequestsPerConnection", "minBodyBytesPerSecond"];

    public ServerConfig Config { get; private set; } = null!;

    /// <summary><c>server.tls</c>: certificates and handshake policy of the https listeners.</summary>
    private readonly Func<IReadOnlyList<CertificateSource>> _domainCertificates;

    private readonly Func<MutualTlsPolicies?> _mutualTls;

    /// <param name="domainCertificates">The custom domains' certificates, added to <c>server.tls</c>'s store.</param>
    /// <param name="mutualTls">The custom domains' mutual TLS policies (asked for at compile time, after the domains validated).</param>
    public ServerSection(Func<IReadOnlyList<CertificateSource>>? domainCertificates = null, Func<MutualTlsPolicies?>? mutualTls = null)
    {
        _domainCertificates = domainCertificates ?? (static () => []);
        _mutualTls = mutualTls ?? (static () => null);
    }

    public TlsSection Tls { get; } = new();

    public void Read(IConfiguration root, ConfigReader reader)
    {
        var section = root.GetSection(Key);
        reader.CheckObject(section, Key, ServerKeys);
        int errorsBefore = reader.ErrorCount;
        var listen = reader.ReadArray(section.GetSection("listen"), "server.listen", (element, path) => ReadListen(element, path, reader));
        // Absent, or not an array (reported): the default keeps validation from repeating the problem as "no listen URL".
        if (!section.GetSection("listen").Exists() || (listen.IsEmpty && reader.ErrorCount > errorsBefore))
        {
            listen = [new ListenConfig(DefaultListen, false)];
        }

        var trustedProxies = reader.ReadOptionalStrings(section, Key, "trustedProxies") ?? [];

        var limitsSection = section.GetSection("limits");
        const string limitsPath = "server.limits";
        reader.CheckObject(limitsSection, limitsPath, LimitKeys);
        var limits = new LimitsConfig(
            reader.ReadInt(limitsSection, limitsPath, "maxRequestLineBytes") ?? DefaultMaxRequestLineBytes,
            reader.ReadInt(limitsSection, limitsPath, "maxHeaderBytes") ?? DefaultMaxHeaderBytes,
            reader.ReadInt(limitsSection, limitsPath, "maxHeaderCount") ?? DefaultMaxHeaderCount,
            reader.ReadLong(limitsSection, limitsPath, "maxBodyBytes") ?? DefaultMaxBodyBytes,
            reader.ReadInt(limitsSection, limitsPath, "maxConnections") ?? RequestLimits.DefaultMaxConnections,
            reader.ReadInt(limitsSection, limitsPath, "maxRequestsPerConnection") ?? 0,
            reader.ReadInt(limitsSection, limitsPath, "minBodyBytesPerSecond") ?? DefaultMinBodyBytesPerSecond);

        Config = new ServerConfig(
            listen,
            reader.ReadInt(section, Key, "drainTimeoutSeconds") ?? DefaultDrainTimeoutSeconds,
            reader.ReadInt(section, Key, "keepAliveTimeoutSeconds") ?? DefaultKeepAliveTimeoutSeconds,
            reader.ReadInt(section, Key, "requestHeadTimeoutSeconds") ?? DefaultRequestHeadTimeoutSeconds,
            reader.ReadInt(section, Key, "tunnelIdleTimeoutSeconds") ?? ServerSettings.DefaultTunnelIdleTimeoutSeconds,
            reader.ReadInt(section, Key, "tunnelMaxLifetimeSeconds") ?? ServerSettings.DefaultTunnelMaxLifetimeSeconds,
            section["transport"] ?? DefaultTransport,
            limits,
            reader.ReadInt(section, Key, "sendTimeoutSeconds") ?? ServerSettings.DefaultSendTimeoutSeconds)
        {
            TrustedProxies = trustedProxies,
        };
        Tls.Read(section.GetSection("tls"), reader);
    }

    /// <summary>A URL string, or <c>{ "url": …, "proxyProtocol": true, "proxyProtocolTimeoutSeconds": 5 }</c>.</summary>
    private static ListenConfig ReadListen(IConfigurationSection element, string path, ConfigReader reader)
    {
        if (element.Value is not null)
        {
            return new ListenConfig(element.Value, false);
        }

        int errorsBefore = reader.ErrorCount;
        reader.CheckObject(element, path, ListenKeys);
        return new ListenConfig(
            element["url"],
            true,
            reader.ReadBool(element, path, "proxyProtocol") ?? false,
            reader.ReadInt(element, path, "proxyProtocolTimeoutSeconds"))
        {
            Unread = reader.ErrorCount > errorsBefore,
        };
    }

    public void Validate(ConfigChecks checks)
    {
        var server = Config;
        if (server.Listen.IsEmpty)
        {
            checks.Error("server.listen", "at least one listen URL is required");
        }

        var httpsListeners = new List<string>();
        for (int i = 0; i < server.Listen.Length; i++)
        {
            var entry = server.Listen[i];
            if (entry.Unread)
            {
                continue;
            }

            string urlPath = entry.IsObject ? $"server.listen[{i}].url" : $"server.listen[{i}]";
            if (entry.ProxyProtocolTimeoutSeconds is int proxyTimeout)
            {
                if (!entry.ProxyProtocol)
                {
                    checks.Error($"server.listen[{i}].proxyProtocolTimeoutSeconds", "applies only with \"proxyProtocol\": true");
                }

                checks.Range($"server.listen[{i}].proxyProtocolTimeoutSeconds", proxyTimeout, 1, 300);
            }

            if (entry.Url is not { } url)
            {
                checks.Error(urlPath, "a listen entry needs a url, like http://0.0.0.0:8080");
                continue;
            }

            if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri)
                || uri.Scheme is not ("http" or "https") || uri.AbsolutePath != "/" || !string.IsNullOrEmpty(uri.Query) || !url.Contains(':', StringComparison.Ordinal))
            {
                checks.Error(urlPath, $"'{url}' is not a listen URL like http://0.0.0.0:8080 or https://0.0.0.0:8443");
            }
            else if (uri.HostNameType is not (UriHostNameType.IPv4 or UriHostNameType.IPv6) && uri.Host != "localhost")
            {
                checks.Error(urlPath, $"'{uri.Host}' must be an IP address, localhost, * or +");
            }
            else if (TlsSettings.IsHttps(url))
            {
                httpsListeners.Add(urlPath);
            }
        }

        if (server.TrustedProxies.Length > TrustedProxies.MaxNetworks)
        {
            checks.Error("server.trustedProxies", $"{server.TrustedProxies.Length} blocks; at most {TrustedProxies.MaxNetworks}");
        }

        for (int i = 0; i < server.TrustedProxies.Length; i++)
        {
            if (!TrustedProxies.TryParseNetwork(server.TrustedProxies[i], out _, out _, out string? problem))
            {
                checks.Error($"server.trustedProxies[{i}]", problem!);
            }
        }

        Tls.Validate(checks, httpsListeners, _domainCertificates());

        checks.Range("server.drainTimeoutSeconds", server.DrainTimeoutSeconds, 0, 3600);
        checks.Range("server.keepAliveTimeoutSeconds", server.KeepAliveTimeoutSeconds, 1, 3600);
        checks.Range("server.requestHeadTimeoutSeconds", server.RequestHeadTimeoutSeconds, 1, 600);
        checks.Range("server.tunnelIdleTimeoutSeconds", server.TunnelIdleTimeoutSeconds, 1, 86_400);
        checks.Range("server.tunnelMaxLifetimeSeconds", server.TunnelMaxLifetimeSeconds, 1, 7 * 86_400);
        checks.Range("server.sendTimeoutSeconds", server.SendTimeoutSeconds, 1, 3600);
        if (!TryParseTransport(server.Transport, out var transport))
        {
            checks.Error("server.transport", $"'{server.Transport}' is not auto, epoll or sockets");
        }
        else if (transport == TransportKind.Epoll && !EpollTransport.IsSupported)
        {
            checks.Error("server.transport", "epoll needs Linux on x64 or arm64; use auto or sockets");
        }

        var limits = server.Limits;
        checks.Range("server.limits.maxRequestLineBytes", limits.MaxRequestLineBytes, 64, 1024 * 1024);
        checks.Range("server.limits.maxHeaderBytes", limits.MaxHeaderBytes, 256, 1024 * 1024);
        checks.Range("server.limits.maxHeaderCount", limits.MaxHeaderCount, 1, 1000);
        checks.Range("server.limits.maxBodyBytes", limits.MaxBodyBytes, 0, long.MaxValue);
        checks.Range("server.limits.maxConnections", limits.MaxConnections, 1, 10_000_000);
        checks.Range("server.limits.maxRequestsPerConnection", limits.MaxRequestsPerConnection, 0, int.MaxValue);
        checks.Range("server.limits.minBodyBytesPerSecond", limits.MinBodyBytesPerSecond, 0, 1_000_000_000);
    }

    public ServerSettings Compile()
    {
        var server = Config;
        return new ServerSettings
        {
            Listen = CompileListen(server.Listen),
            TrustedProxies = server.TrustedProxies.IsEmpty ? null : TrustedProxies.Create(server.TrustedProxies),
            DrainTimeout = TimeSpan.FromSeconds(server.DrainTimeoutSeconds),
            KeepAliveTimeout = TimeSpan.FromSeconds(server.KeepAliveTimeoutSeconds),
            RequestHeadTimeout = TimeSpan.FromSeconds(server.RequestHeadTimeoutSeconds),
            TunnelIdleTimeout = TimeSpan.FromSeconds(server.TunnelIdleTimeoutSeconds),
            TunnelMaxLifetime = TimeSpan.FromSeconds(server.TunnelMaxLifetimeSeconds),
            SendTimeout = TimeSpan.FromSeconds(server.SendTimeoutSeconds),
            Transport = TryParseTransport(server.Transport, out var transport) ? transport : TransportKind.Sockets,
            Tls = Tls.Compile(_mutualTls()),
            Limits = new RequestLimits
            {
                MaxRequestLineBytes = server.Limits.MaxRequestLineBytes,
                MaxHeaderBytes = server.Limits.MaxHeaderBytes,
                MaxHeaderCount = server.Limits.MaxHeaderCount,
                MaxBodyBytes = server.Limits.MaxBodyBytes,
                MaxConnections = server.Limits.MaxConnections,
                MaxRequestsPerConnection = server.Limits.MaxRequestsPerConnection,
                MinBodyBytesPerSecond = server.Limits.MinBodyBytesPerSecond,
            },
        };
    }

    private static ImmutableArray<ListenEntry> CompileListen(ImmutableArray<ListenConfig> listen)
    {
        var entries = ImmutableArray.CreateBuilder<ListenEntry>(listen.Length);
        foreach (var entry in listen)
        {
            entries.Add(new ListenEntry(entry.Url!, entry.ProxyProtocol,
                TimeSpan.FromSeconds(entry.ProxyProtocolTimeoutSeconds ?? ListenEntry.DefaultProxyProtocolTimeoutSeconds)));
        }

        return entries.MoveToImmutable();
    }

    /// <summary><c>auto</c> is epoll where the platform has it.</summary>
    internal static bool TryParseTransport(string text, out TransportKind transport)
    {
        transport = EpollTransport.IsSupported ? TransportKind.Epoll : TransportKind.Sockets;
        if (string.Equals(text, "auto", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (string.Equals(text, "epoll", StringComparison.OrdinalIgnoreCase))
        {
            transport = TransportKind.Epoll;
            return true;
        }

        transport = TransportKind.Sockets;
        return string.Equals(text, "sockets", StringComparison.OrdinalIgnoreCase);
    }
}
