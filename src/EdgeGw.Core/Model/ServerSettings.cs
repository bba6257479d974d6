using System.Collections.Immutable;

namespace EdgeGw.Core.Model;

/// <summary>Listener, limits and lifecycle settings.</summary>
public sealed record ServerSettings
{
    public const int DefaultTunnelIdleTimeoutSeconds = 600;
    public const int DefaultTunnelMaxLifetimeSeconds = 7200;
    public const int DefaultSendTimeoutSeconds = 60;

    /// <summary>Listeners: URLs such as <c>http://0.0.0.0:8080</c> or <c>https://0.0.0.0:8443</c> (<see cref="Tls.TlsSettings.IsHttps"/>), each with its PROXY protocol option.</summary>
    public required ImmutableArray<ListenEntry> Listen { get; init; }
    /// <summary>
    /// <c>server.trustedProxies</c>: peers whose X-Forwarded-For names the client (null: none, the peer is the
    /// client; the request path pays one null check).
    /// </summary>
    public ClientAddresses.TrustedProxies? TrustedProxies { get; init; }
    public required RequestLimits Limits { get; init; }
    /// <summary>How long SIGTERM waits for in-flight requests before closing connections.</summary>
    public required TimeSpan DrainTimeout { get; init; }
    /// <summary>How long a keep-alive client connection may sit idle between requests.</summary>
    public required TimeSpan KeepAliveTimeout { get; init; }
    /// <summary>How long a client has to send a complete request head once it has started one.</summary>
    public required TimeSpan RequestHeadTimeout { get; init; }
    public TimeSpan TunnelIdleTimeout { get; init; } = TimeSpan.FromSeconds(DefaultTunnelIdleTimeoutSeconds);
    public TimeSpan TunnelMaxLifetime { get; init; } = TimeSpan.FromSeconds(DefaultTunnelMaxLifetimeSeconds);
    /// <summary>How long a flush to a client may make no progress before the connection is closed (nginx's send_timeout).</summary>
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromSeconds(DefaultSendTimeoutSeconds);
    /// <summary>The socket I/O for client and upstream connections (fixed at start; a reload does not change it).</summary>
    public Transport.TransportKind Transport { get; init; } = EdgeGw.Transport.TransportKind.Sockets;
    /// <summary><c>server.tls</c>: certificates and handshake policy of the https listeners; null when absent.</summary>
    public Tls.TlsSettings? Tls { get; init; }
}
