using EdgeGw.Core.Model;
using EdgeGw.Transport;
using Microsoft.Extensions.Logging;

namespace EdgeGw.Server.Hosting;

/// <summary>Options that are about the process rather than the gateway model.</summary>
public sealed class GatewayHostOptions
{
    public TimeProvider Time { get; init; } = TimeProvider.System;
    /// <summary>Replaces the model's <see cref="LoggingSettings.Level"/> (null: the model's).</summary>
    public LogLevel? MinimumLogLevel { get; init; }

    /// <summary>
    /// The standard <c>Logging</c> configuration (<c>Logging:LogLevel:Default</c>, per-category levels), applied over
    /// the level: the CLI passes the environment's, so <c>Logging__LogLevel__Default=Debug</c> works as in any .NET host.
    /// </summary>
    public Microsoft.Extensions.Configuration.IConfiguration? LoggingConfiguration { get; init; }

    /// <summary>More log providers (tests capture lines with one), beside the console.</summary>
    public IReadOnlyList<ILoggerProvider> LoggerProviders { get; init; } = [];
    /// <summary>Replaces the model's listeners (tests bind <c>http://127.0.0.1:0</c>, with or without the PROXY protocol).</summary>
    public IReadOnlyList<ListenEntry>? ListenOverride { get; init; }
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

    /// <summary>
    /// <c>edgegw test-invoke</c>'s execution log: every request's steps are written to it (null when serving,
    /// which then formats nothing).
    /// </summary>
    public Diagnostics.ExecutionLog? ExecutionLog { get; init; }
}
