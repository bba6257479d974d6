using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Iam;

/// <summary>A WebSocket API whose <c>$connect</c> is <c>AWS_IAM</c> (as AWS allows): the handshake is verified before the upgrade.</summary>
public sealed class IamWebSocketTests : IAsyncLifetime
{
    private const string KeyId = "AKIAIOSFODNN7EXAMPLE";
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string Variable = "EDGEGW_TEST_IAM_WS_SECRET";
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        // The secret from the environment this time (secretAccessKeyEnv).
        Environment.SetEnvironmentVariable(Variable, Secret);
        _gateway = await TestGateway.StartAsync($$"""
            {
              "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 2 },
              "iam": { "region": "us-east-1", "credentials": [ { "accessKeyId": "{{KeyId}}", "secretAccessKeyEnv": "{{Variable}}", "principal": "arn:aws:iam::123456789012:user/ws" } ] },
              "apis": [ { "name": "chat", "protocol": "websocket", "routeSelectionExpression": "$request.body.action", "stages": [ { "name": "prod" } ],
                  "routes": [
                    { "key": "$connect", "authorizationType": "AWS_IAM", "integration": { "type": "mock" } },
                    { "key": "$default", "integration": { "type": "mock", "body": "hi" } } ] } ]
            }
            """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        Environment.SetEnvironmentVariable(Variable, null);
    }

    [BotocoreFact]
    public async Task PresignedHandshake_Upgrades()
    {
        // Signed for Host: localhost, the Host RawWebSocket sends.
        var signed = await Botocore.SignAsync("GET", "http://localhost/prod?room=1", KeyId, Secret, presign: true);
        await using var socket = await RawWebSocket.ConnectAsync(_gateway.Port, signed.Target);
        Assert.StartsWith("HTTP/1.1 101 ", socket.HandshakeResponse);
    }

    [Fact]
    public async Task UnsignedHandshake_IsRefused()
    {
        await using var raw = await _gateway.ConnectRawAsync();
        await raw.SendAsync("GET /prod HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n" +
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
        var response = await raw.ReadResponseAsync();
        Assert.Equal(403, response.Status);
        Assert.Equal("""{"message":"Missing Authentication Token"}""", response.BodyText);
    }
}
