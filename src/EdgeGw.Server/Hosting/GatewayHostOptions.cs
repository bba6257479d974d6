using System.Net;
using EdgeGw.Core.Model;
using EdgeGw.Server.Admin;
using EdgeGw.Server.Http1;
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
