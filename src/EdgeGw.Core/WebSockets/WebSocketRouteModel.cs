using EdgeGw.Core.Model;

namespace EdgeGw.Core.WebSockets;

/// <summary>One route of a WebSocket API and stage.</summary>
public sealed class WebSocketRouteModel
{
    public required string Key { get; init; }
    public required byte[] KeyBytes { get; init; }
    /// <summary>The <c>X-EdgeGw-Route-Key</c> header line sent with this route's integration calls.</summary>
    public byte[] EventHeaders => field ??= [.. "X-EdgeGw-Route-Key: "u8, .. KeyBytes, (byte)'\r', (byte)'\n'];
    /// <summary>A <see cref="MockIntegrationModel"/>, an <see cref="HttpIntegrationModel"/> (POSTed to) or a <see cref="Lambda.LambdaIntegrationModel"/> (invoked with AWS's WebSocket event).</summary>
    public required IntegrationModel Integration { get; init; }
    public required bool RouteResponse { get; init; }
}
