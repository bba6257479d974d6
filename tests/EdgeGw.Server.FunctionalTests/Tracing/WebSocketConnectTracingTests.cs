using System.Text.RegularExpressions;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Tracing;

/// <summary>
/// A WebSocket API's <c>$connect</c> call is an integration like an HTTP one: its backend gets the gateway's
/// traceparent (the client's trace, the integration span as parent), never the client's own.
/// </summary>
public sealed partial class WebSocketConnectTracingTests
{
    private const string ClientTraceId = "0af7651916cd43dd8448eb211c80319c";
    private const string ClientParentId = "b7ad6b7169203331";

    private static string Config(string upstream, string endpoint) => $$"""
        {
          "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 2 },
          "tracing": { "otlpEndpoint": "{{endpoint}}", "exportIntervalMs": 50, "sampleRatio": 0 },
          "clusters": [ { "name": "chat", "destinations": ["{{upstream}}"] } ],
          "apis": [ { "name": "chat", "protocol": "websocket", "routeSelectionExpression": "$request.body.action", "stages": [ { "name": "prod" } ],
              "routes": [
                { "key": "$connect", "integration": { "type": "http", "cluster": "chat", "uri": "/connect" } },
                { "key": "$default", "integration": { "type": "mock", "body": "hi" } } ] } ]
        }
        """;

    [GeneratedRegex("^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$")]
    private static partial Regex TraceParentPattern();

    private static async Task<UpstreamRequest> ConnectAsync(string extraHeaders)
    {
        await using var receiver = OtlpReceiver.Start();
        await using var upstream = UpstreamServer.StartPerRequest((context, request) => context.RespondAsync(200, ""));
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, receiver.Endpoint));
        await using var socket = await RawWebSocket.ConnectAsync(gateway.Port, "/prod", extraHeaders);
        await upstream.WaitForRequestsAsync(1);
        var connect = Assert.Single(upstream.Requests);
        Assert.Equal("/connect", connect.Path);
        return connect;
    }

    [Fact]
    public async Task ClientTraceparent_ConnectBackendGetsTheSameTrace_WithTheGatewayAsParent()
    {
        var connect = await ConnectAsync($"traceparent: 00-{ClientTraceId}-{ClientParentId}-01\r\ntracestate: rojo=00f067aa0ba902b7\r\n");

        var match = TraceParentPattern().Match(connect.Header("traceparent") ?? "");
        Assert.True(match.Success, $"traceparent: {connect.Header("traceparent")}");
        Assert.Equal(ClientTraceId, match.Groups[1].Value);
        Assert.NotEqual(ClientParentId, match.Groups[2].Value);
        Assert.Equal("01", match.Groups[3].Value); // the parent's sampled flag is honoured
        Assert.Equal("rojo=00f067aa0ba902b7", connect.Header("tracestate"));
        Assert.Single(connect.Head.GetAll("traceparent"));
    }

    [Fact]
    public async Task NoClientTraceparent_ConnectBackendGetsANewTrace()
    {
        var connect = await ConnectAsync("");

        var match = TraceParentPattern().Match(connect.Header("traceparent") ?? "");
        Assert.True(match.Success, $"traceparent: {connect.Header("traceparent")}");
        Assert.NotEqual(new string('0', 32), match.Groups[1].Value);
        Assert.Equal("00", match.Groups[3].Value); // sampleRatio 0
    }

    [Fact]
    public async Task MalformedClientTraceparent_IsReplaced_AndItsTracestateDropped()
    {
        var connect = await ConnectAsync("traceparent: 00-xyz-nope-01\r\ntracestate: rojo=1\r\n");

        var match = TraceParentPattern().Match(connect.Header("traceparent") ?? "");
        Assert.True(match.Success, $"traceparent: {connect.Header("traceparent")}");
        Assert.Null(connect.Header("tracestate"));
        Assert.Single(connect.Head.GetAll("traceparent"));
    }
}
