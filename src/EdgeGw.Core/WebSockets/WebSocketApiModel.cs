using System.Collections.Immutable;
using EdgeGw.Core.Model;

namespace EdgeGw.Core.WebSockets;

/// <summary>
/// A WebSocket API deployed to one stage. It sits in the route table as the integration of the stage's
/// <c>GET /</c> handshake route; the gateway terminates the WebSocket and routes each message itself.
/// </summary>
public sealed class WebSocketApiModel : IntegrationModel
{
    public required string ApiName { get; init; }
    public required string StageName { get; init; }
    public required RouteSelectionExpression Selection { get; init; }
    public required WebSocketLimits Limits { get; init; }
    /// <summary>Allowed <c>Origin</c> values (lower-case ASCII); empty allows any, as does <c>*</c>.</summary>
    public required ImmutableArray<byte[]> AllowedOrigins { get; init; }
    /// <summary>Subprotocols the API speaks, in preference order; the first one a client offers is chosen.</summary>
    public required ImmutableArray<byte[]> Subprotocols { get; init; }
    public WebSocketRouteModel? Connect { get; init; }
    public WebSocketRouteModel? Disconnect { get; init; }
    public WebSocketRouteModel? Default { get; init; }
    public required WebSocketRouteMap Routes { get; init; }
    /// <summary>New connections per second on this API and stage; null for no limit.</summary>
    public Throttling.ThrottleSettings? NewConnectionsThrottle { get; init; }

    public bool AllowsAnyOrigin => AllowedOrigins.IsEmpty;
}
