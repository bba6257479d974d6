using System.Collections.Immutable;
using System.IO.Hashing;
using EdgeGw.Core.Model;

namespace EdgeGw.Core.WebSockets;

/// <summary>The reserved route keys of a WebSocket API.</summary>
public static class WebSocketRouteKeys
{
    public const string Connect = "$connect";
    public const string Disconnect = "$disconnect";
    public const string Default = "$default";
}

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

/// <summary>Limits of a WebSocket API (configurable; defaults as AWS).</summary>
public sealed record WebSocketLimits(int MaxFrameBytes, int MaxMessageBytes, TimeSpan IdleTimeout, TimeSpan MaxLifetime, int SendBufferBytes);

/// <summary>One route of a WebSocket API and stage.</summary>
public sealed class WebSocketRouteModel
{
    public required string Key { get; init; }
    public required byte[] KeyBytes { get; init; }
    /// <summary>The <c>X-EdgeGw-Route-Key</c> header line sent with this route's integration calls.</summary>
    public byte[] EventHeaders => field ??= [.. "X-EdgeGw-Route-Key: "u8, .. KeyBytes, (byte)'\r', (byte)'\n'];
    /// <summary>A <see cref="MockIntegrationModel"/> or an <see cref="HttpIntegrationModel"/> (POSTed to).</summary>
    public required IntegrationModel Integration { get; init; }
    public required bool RouteResponse { get; init; }
}

/// <summary>Route lookup by the raw bytes a message selected; no string is made for a message.</summary>
public sealed class WebSocketRouteMap
{
    private readonly WebSocketRouteModel?[] _slots;
    private readonly int _mask;

    public WebSocketRouteMap(IEnumerable<WebSocketRouteModel> routes)
    {
        var list = routes.ToList();
        int size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(4, list.Count * 2));
        _slots = new WebSocketRouteModel?[size];
        _mask = size - 1;
        foreach (var route in list)
        {
            int slot = Slot(route.KeyBytes);
            while (_slots[slot] is not null)
            {
                slot = (slot + 1) & _mask;
            }

            _slots[slot] = route;
        }

        Count = list.Count;
    }

    public int Count { get; }

    public WebSocketRouteModel? Find(ReadOnlySpan<byte> key)
    {
        int slot = Slot(key);
        while (_slots[slot] is { } route)
        {
            if (key.SequenceEqual(route.KeyBytes))
            {
                return route;
            }

            slot = (slot + 1) & _mask;
        }

        return null;
    }

    private int Slot(ReadOnlySpan<byte> key) => (int)XxHash3.HashToUInt64(key) & _mask;
}
