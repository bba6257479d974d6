using EdgeGw.Core.Model;
using EdgeGw.Core.Upstream;
using EdgeGw.Core.WebSockets;
using EdgeGw.Protocols.Buffers;

namespace EdgeGw.Server.WebSockets;

/// <summary>
/// Runs a WebSocket route's integration for one event ($connect, a message, $disconnect): a mock answers at
/// once, an HTTP integration is POSTed to through <see cref="IntegrationClient"/>.
/// </summary>
internal static class WebSocketEvents
{
    public static readonly byte[] ConnectHeaders = "X-EdgeGw-Event-Type: CONNECT\r\n"u8.ToArray();
    public static readonly byte[] DisconnectHeaders = "X-EdgeGw-Event-Type: DISCONNECT\r\n"u8.ToArray();
    public static readonly byte[] TextMessageHeaders = "X-EdgeGw-Event-Type: MESSAGE\r\nContent-Type: text/plain; charset=utf-8\r\n"u8.ToArray();
    public static readonly byte[] BinaryMessageHeaders = "X-EdgeGw-Event-Type: MESSAGE\r\nContent-Type: application/octet-stream\r\n"u8.ToArray();

    /// <param name="type">Which event (a Lambda integration gets it in AWS's WebSocket event JSON).</param>
    public static ValueTask<IntegrationResponse> CallAsync(GatewayRuntime runtime, GatewaySnapshot snapshot, WebSocketSession session, WebSocketRouteModel route,
        ReadOnlyMemory<byte> eventHeaders, ReadOnlyMemory<byte> query, ReadOnlyMemory<byte> body, WebSocketEventType type, bool captureContentType = false)
    {
        if (route.Integration is MockIntegrationModel mock)
        {
            return new(new IntegrationResponse { Status = mock.StatusCode, Body = RentCopy(mock.Body), BodyLength = mock.Body.Length });
        }

        if (route.Integration is Core.Lambda.LambdaIntegrationModel lambda)
        {
            var caller = session.LambdaCaller ??= new WebSocketLambdaCaller();
            return caller.CallAsync(ResolveCluster(runtime, snapshot, lambda.Cluster), session, route, lambda, type, eventHeaders, query, body, runtime.UpstreamErrors, runtime.Time);
        }

        var http = (HttpIntegrationModel)route.Integration;
        var headers = new IntegrationHeaders(session.IntegrationHeaders, route.EventHeaders, eventHeaders);
        return IntegrationClient.PostAsync(ResolveCluster(runtime, snapshot, http.Cluster), http, headers, query, body, session.Api.Limits.MaxMessageBytes, runtime.UpstreamErrors, captureContentType);
    }

    private static byte[]? RentCopy(byte[] source)
    {
        if (source.Length == 0)
        {
            return null;
        }

        var copy = BlockPool.Rent(source.Length);
        source.CopyTo(copy, 0);
        return copy;
    }

    /// <summary>
    /// A session lives across reloads: it calls the current model's state for its cluster when the cluster is
    /// still there, so pooled connections keep being reused.
    /// </summary>
    private static ClusterState ResolveCluster(GatewayRuntime runtime, GatewaySnapshot connectedWith, ClusterModel cluster)
    {
        var current = runtime.Current;
        if ((uint)cluster.Index < (uint)current.Clusters.Length && current.Clusters[cluster.Index].Model.Name == cluster.Name)
        {
            return current.Clusters[cluster.Index];
        }

        return connectedWith.Clusters[cluster.Index];
    }
}
