using System.Net.Http;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Lambda;

/// <summary>
/// A WebSocket API whose routes are Lambda integrations: the JavaScript handler gets AWS's WebSocket events
/// (CONNECT with the handshake's headers and query, MESSAGE with the body, DISCONNECT), its $connect answer decides
/// the handshake and its route response goes back to the client.
/// </summary>
public sealed class LambdaWebSocketTests
{
    private static string Config(InvokeShim shim) => $$"""
        {
          "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 2 },
          "apis": [
            { "name": "chat", "protocol": "websocket", "routeSelectionExpression": "$request.body.action", "stages": [ { "name": "prod" } ],
              "routes": [
                { "key": "$connect", "integration": { "type": "lambda", "function": "{{shim.Url}}" } },
                { "key": "$disconnect", "integration": { "type": "lambda", "function": "{{shim.Url}}" } },
                { "key": "$default", "routeResponse": true, "integration": { "type": "lambda", "function": "{{shim.Url}}" } },
                { "key": "send", "routeResponse": true, "integration": { "type": "lambda", "function": "{{shim.Url}}" } }
              ] } ]
        }
        """;

    [NodeLambdaFact]
    public async Task Events_HaveAwsWebSocketShape_AndTheRouteResponseComesBack()
    {
        await using var shim = await InvokeShim.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Config(shim));
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("X-Test", "hello");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        long before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{gateway.Port}/prod?room=blue&tag=a&tag=b"), timeout.Token);

        await socket.SendAsync(Encoding.UTF8.GetBytes("""{"action":"send","text":"hi"}"""), WebSocketMessageType.Text, true, timeout.Token);
        var buffer = new byte[64 * 1024];
        var received = await socket.ReceiveAsync(buffer, timeout.Token);
        Assert.True(received.EndOfMessage);
        using var document = JsonDocument.Parse(buffer.AsMemory(0, received.Count));
        var message = document.RootElement.GetProperty("event");
        var context = message.GetProperty("requestContext");
        Assert.Equal("MESSAGE", context.GetProperty("eventType").GetString());
        Assert.Equal("send", context.GetProperty("routeKey").GetString());
        Assert.Equal("IN", context.GetProperty("messageDirection").GetString());
        Assert.Equal("prod", context.GetProperty("stage").GetString());
        Assert.Equal("chat", context.GetProperty("apiId").GetString());
        Assert.False(string.IsNullOrEmpty(context.GetProperty("messageId").GetString()));
        Assert.False(string.IsNullOrEmpty(context.GetProperty("requestId").GetString()));
        Assert.InRange(context.GetProperty("connectedAt").GetInt64(), before - 1000, context.GetProperty("requestTimeEpoch").GetInt64());
        Assert.Equal("127.0.0.1", context.GetProperty("identity").GetProperty("sourceIp").GetString());
        string connectionId = context.GetProperty("connectionId").GetString()!;
        Assert.False(string.IsNullOrEmpty(connectionId));
        Assert.Equal("""{"action":"send","text":"hi"}""", message.GetProperty("body").GetString());
        Assert.False(message.GetProperty("isBase64Encoded").GetBoolean());

        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);

        using var client = new HttpClient { BaseAddress = new Uri(shim.Url) };
        JsonElement[] events = [];
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            using var seen = JsonDocument.Parse(await client.GetStringAsync("/__events"));
            events = [.. seen.RootElement.EnumerateArray().Select(e => e.Clone())];
            return events.Any(e => e.GetProperty("requestContext").GetProperty("eventType").GetString() == "DISCONNECT");
        }, TimeSpan.FromSeconds(20)), "the $disconnect event reached the function");

        Assert.Equal(["CONNECT", "MESSAGE", "DISCONNECT"], events.Select(e => e.GetProperty("requestContext").GetProperty("eventType").GetString()));
        Assert.All(events, e => Assert.Equal(connectionId, e.GetProperty("requestContext").GetProperty("connectionId").GetString()));
        var connect = events[0];
        Assert.Equal("$connect", connect.GetProperty("requestContext").GetProperty("routeKey").GetString());
        Assert.Equal("hello", connect.GetProperty("headers").GetProperty("X-Test").GetString());
        Assert.Equal(["hello"], connect.GetProperty("multiValueHeaders").GetProperty("X-Test").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("blue", connect.GetProperty("queryStringParameters").GetProperty("room").GetString());
        Assert.Equal("b", connect.GetProperty("queryStringParameters").GetProperty("tag").GetString());
        Assert.Equal(["a", "b"], connect.GetProperty("multiValueQueryStringParameters").GetProperty("tag").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("$disconnect", events[2].GetProperty("requestContext").GetProperty("routeKey").GetString());
    }

    [NodeLambdaFact]
    public async Task ABinaryMessage_GoesBase64()
    {
        await using var shim = await InvokeShim.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Config(shim));
        using var socket = new ClientWebSocket();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{gateway.Port}/prod"), timeout.Token);

        await socket.SendAsync(new byte[] { 0, 1, 2, 255 }, WebSocketMessageType.Binary, true, timeout.Token);
        var buffer = new byte[64 * 1024];
        var received = await socket.ReceiveAsync(buffer, timeout.Token);

        using var document = JsonDocument.Parse(buffer.AsMemory(0, received.Count));
        var message = document.RootElement.GetProperty("event");
        Assert.Equal("$default", message.GetProperty("requestContext").GetProperty("routeKey").GetString());
        Assert.True(message.GetProperty("isBase64Encoded").GetBoolean());
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, Convert.FromBase64String(message.GetProperty("body").GetString()!));
    }

    [NodeLambdaFact]
    public async Task ConnectRefusedByTheFunction_RefusesTheHandshakeWithItsStatus()
    {
        await using var shim = await InvokeShim.StartAsync();
        await using var gateway = await TestGateway.StartAsync(Config(shim));
        await using var raw = await gateway.ConnectRawAsync();

        await raw.SendAsync("GET /prod?deny=1 HTTP/1.1\r\nHost: gw\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
        var response = await raw.ReadResponseAsync();

        Assert.Equal(401, response.Status);
    }
}
