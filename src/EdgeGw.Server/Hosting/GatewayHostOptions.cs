using EdgeGw.Core.Model;
using EdgeGw.Transport;
using Microsoft.Extensions.Logging;

namespace EdgeGw.Server.Hosting;

/// <summary>Options that are about the process rather than the gateway model.</summary>
public sealed class GatewayHostOptions
{
    public TimeProvider Time { get; init; } = TimeProvider.System;
    public LogLevel MinimumLogLevel { get; init; } = LogLevel.Information;
    /// <summary>Replaces the model's listen URLs (tests bind <c>http://127.0.0.1:0</c>).</summary>
    public IReadOnlyList<string>? ListenOverride { get; init; }
    /// <summary>Replaces the model's admin listen URLs; empty disables the admin API.</summary>
    public IReadOnlyList<string>? AdminListenOverride { get; init; }

    /// <summary>
    /// Run connection continuations on the socket engine's thread instead of queueing them to the thread pool
    /// (Kestrel's <c>UnsafePreferInlineScheduling</c>). Safe here because nothing on the request path blocks;
    /// it removes a thread hop per read, which is most of the cost of a small proxied request.
    /// </summary>
    public bool InlineScheduling { get; init; }

    /// <summary>Replaces the model's <see cref="ServerSettings.Transport"/>.</summary>
    public TransportKind? TransportOverride { get; init; }
}
