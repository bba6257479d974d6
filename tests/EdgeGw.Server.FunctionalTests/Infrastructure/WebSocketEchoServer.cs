using System.Net.WebSockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace EdgeGw.Server.FunctionalTests.Infrastructure;

/// <summary>
/// A real WebSocket server (Kestrel) for tunnelling tests: echoes every message on <c>/v1/ws</c> (what
/// <c>/prod/echo/ws</c> maps to in <see cref="GatewayConfigs.Standard"/>) and answers a close with the client's own
/// code; any other path answers an upgrade with 426 "no websocket here".
/// </summary>
public static class WebSocketEchoServer
{
    public static Task<(WebApplication App, string Authority)> StartAsync() => LoopbackWebApp.StartAsync(static app =>
    {
        app.UseWebSockets();
        app.Run(async context =>
        {
            if (context.Request.Path != "/v1/ws" || !context.WebSockets.IsWebSocketRequest)
            {
                context.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
                await context.Response.WriteAsync("no websocket here");
                return;
            }

            using var socket = await context.WebSockets.AcceptWebSocketAsync();
            var buffer = new byte[256 * 1024];
            while (true)
            {
                int length = 0;
                ValueWebSocketReceiveResult received;
                do
                {
                    received = await socket.ReceiveAsync(buffer.AsMemory(length), CancellationToken.None);
                    length += received.Count;
                }
                while (!received.EndOfMessage);

                if (received.MessageType == WebSocketMessageType.Close)
                {
                    await socket.CloseAsync(socket.CloseStatus ?? WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None);
                    return;
                }

                await socket.SendAsync(buffer.AsMemory(0, length), received.MessageType, true, CancellationToken.None);
            }
        });
    });
}
