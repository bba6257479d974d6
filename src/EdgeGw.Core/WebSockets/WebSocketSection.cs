using System.Collections.Immutable;
using System.Text;
using EdgeGw.Core.Infrastructure;
using EdgeGw.Core.Throttling;
using Microsoft.Extensions.Configuration;

namespace EdgeGw.Core.WebSockets;

/// <summary>Handshake rules and limits of a WebSocket API as written (defaults as AWS API Gateway's).</summary>
internal sealed record WebSocketApiConfig(
    ImmutableArray<string> AllowedOrigins,
    ImmutableArray<string> Subprotocols,
    int MaxFrameBytes,
    int MaxMessageBytes,
    int IdleTimeoutSeconds,
    int MaxLifetimeSeconds,
    int SendBufferBytes,
    ThrottleConfig? NewConnectionsThrottle)
{
    public static WebSocketApiConfig Default { get; } = new([], [], 32 * 1024, 128 * 1024, 600, 7200, 1024 * 1024, null);
}

/// <summary>
/// An API's <c>webSocket</c> object and <c>routeSelectionExpression</c>, and the rules for WebSocket route keys.
/// The API section calls these for APIs with <c>"protocol": "websocket"</c>.
/// </summary>
internal static class WebSocketSection
{
    public const string DefaultRouteSelectionExpression = "$request.body.action";

    private static readonly string[] Keys =
        ["allowedOrigins", "subprotocols", "maxFrameBytes", "maxMessageBytes", "idleTimeoutSeconds", "maxLifetimeSeconds", "sendBufferBytes", "newConnectionsThrottle"];

    /// <summary><see cref="WebSocketApiConfig.Default"/> (the same instance) when absent.</summary>
    public static WebSocketApiConfig Read(ConfigReader reader, IConfigurationSection section, string path)
    {
        if (!section.Exists())
        {
            return WebSocketApiConfig.Default;
        }

        reader.CheckObject(section, path, Keys);
        var defaults = WebSocketApiConfig.Default;
        return new WebSocketApiConfig(
            reader.ReadStrings(section.GetSection("allowedOrigins"), ConfigReader.Join(path, "allowedOrigins")),
            reader.ReadStrings(section.GetSection("subprotocols"), ConfigReader.Join(path, "subprotocols")),
            reader.ReadInt(section, path, "maxFrameBytes") ?? defaults.MaxFrameBytes,
            reader.ReadInt(section, path, "maxMessageBytes") ?? defaults.MaxMessageBytes,
            reader.ReadInt(section, path, "idleTimeoutSeconds") ?? defaults.IdleTimeoutSeconds,
            reader.ReadInt(section, path, "maxLifetimeSeconds") ?? defaults.MaxLifetimeSeconds,
            reader.ReadInt(section, path, "sendBufferBytes") ?? defaults.SendBufferBytes,
            ThrottleSection.Read(reader, section.GetSection("newConnectionsThrottle"), ConfigReader.Join(path, "newConnectionsThrottle")));
    }

    /// <param name="apiPath">The API's path; errors name <c>routeSelectionExpression</c> and <c>webSocket.*</c> under it.</param>
    public static void Validate(ConfigChecks checks, string? selectionExpression, WebSocketApiConfig ws, string apiPath)
    {
        if (!RouteSelectionExpression.TryParse(selectionExpression ?? DefaultRouteSelectionExpression, out _, out string expressionError))
        {
            checks.Error($"{apiPath}.routeSelectionExpression", expressionError);
        }

        string wsPath = $"{apiPath}.webSocket";
        checks.Range($"{wsPath}.maxFrameBytes", ws.MaxFrameBytes, 125, 16 * 1024 * 1024);
        checks.Range($"{wsPath}.maxMessageBytes", ws.MaxMessageBytes, Math.Max(125, ws.MaxFrameBytes), 16 * 1024 * 1024);
        checks.Range($"{wsPath}.idleTimeoutSeconds", ws.IdleTimeoutSeconds, 1, 86_400);
        checks.Range($"{wsPath}.maxLifetimeSeconds", ws.MaxLifetimeSeconds, 1, 7 * 86_400);
        checks.Range($"{wsPath}.sendBufferBytes", ws.SendBufferBytes, 1024, 64 * 1024 * 1024);
        ThrottleSection.Validate(checks, ws.NewConnectionsThrottle, $"{wsPath}.newConnectionsThrottle");
        for (int i = 0; i < ws.AllowedOrigins.Length; i++)
        {
            string origin = ws.AllowedOrigins[i];
            if (origin != "*" && !(Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.PathAndQuery == "/" && !origin.EndsWith('/')))
            {
                checks.Error($"{wsPath}.allowedOrigins[{i}]", $"'{origin}' is not an origin such as \"https://app.example.com\" (scheme, host and optional port; or \"*\")");
            }
        }

        for (int i = 0; i < ws.Subprotocols.Length; i++)
        {
            if (ws.Subprotocols[i].Length == 0 || ws.Subprotocols[i].AsSpan().ContainsAnyExcept(ConfigChecks.TokenChars))
            {
                checks.Error($"{wsPath}.subprotocols[{i}]", $"'{ws.Subprotocols[i]}' is not a subprotocol token");
            }
        }
    }

    /// <summary>A reserved key (<c>$connect</c>, <c>$disconnect</c>, <c>$default</c>) or 1-128 characters not starting with '$'.</summary>
    public static bool IsRouteKey(string key) =>
        key is WebSocketRouteKeys.Connect or WebSocketRouteKeys.Disconnect or WebSocketRouteKeys.Default
        || !(key.Length is 0 or > 128 || key.StartsWith('$') || key.AsSpan().ContainsAnyInRange('\0', '\u001F'));

    public static RouteSelectionExpression CompileSelection(string? selectionExpression)
    {
        RouteSelectionExpression.TryParse(selectionExpression ?? DefaultRouteSelectionExpression, out var selection, out _);
        return selection;
    }

    public static WebSocketLimits CompileLimits(WebSocketApiConfig ws) =>
        new(ws.MaxFrameBytes, ws.MaxMessageBytes, TimeSpan.FromSeconds(ws.IdleTimeoutSeconds), TimeSpan.FromSeconds(ws.MaxLifetimeSeconds), ws.SendBufferBytes);

    /// <summary>Lower-case ASCII origins; empty (any origin) when <c>*</c> is among them.</summary>
    public static ImmutableArray<byte[]> CompileOrigins(WebSocketApiConfig ws)
    {
        var origins = ImmutableArray.CreateBuilder<byte[]>(ws.AllowedOrigins.Length);
        foreach (string origin in ws.AllowedOrigins)
        {
            if (origin == "*")
            {
                return [];
            }

            origins.Add(Encoding.ASCII.GetBytes(origin.ToLowerInvariant()));
        }

        return origins.MoveToImmutable();
    }

    public static ImmutableArray<byte[]> CompileSubprotocols(WebSocketApiConfig ws)
    {
        var subprotocols = ImmutableArray.CreateBuilder<byte[]>(ws.Subprotocols.Length);
        foreach (string subprotocol in ws.Subprotocols)
        {
            subprotocols.Add(Encoding.ASCII.GetBytes(subprotocol));
        }

        return subprotocols.MoveToImmutable();
    }
}
