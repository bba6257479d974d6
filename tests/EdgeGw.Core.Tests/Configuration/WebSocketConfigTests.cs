using EdgeGw.Core.Model;
using EdgeGw.Core.Routing;
using EdgeGw.Core.WebSockets;
using EdgeGw.Protocols.Http1;
using static EdgeGw.Core.Tests.Configuration.ConfigFixture;

namespace EdgeGw.Core.Tests.Configuration;

public sealed class WebSocketConfigTests
{
    private const string Cluster = """ "clusters": [ { "name": "c", "destinations": ["127.0.0.1:9"] } ], """;

    private static string Config(string routes, string api = "") => $$"""
        { {{Cluster}}
          "apis": [ { "name": "chat", "protocol": "websocket", {{api}} "stages": [ { "name": "prod" } ], "routes": [ {{routes}} ] } ] }
        """;

    [Fact]
    public void WebSocketApi_CompilesToAHandshakeRoute_WithDefaultsAsAws()
    {
        var model = Valid(Config("""
            { "key": "$connect", "integration": { "type": "http", "cluster": "c", "uri": "/connect" } },
            { "key": "$disconnect", "integration": { "type": "mock" } },
            { "key": "$default", "routeResponse": true, "integration": { "type": "mock", "body": "d" } },
            { "key": "send", "routeResponse": true, "integration": { "type": "http", "cluster": "c", "uri": "/send" } }
            """));

        RouteMatch<RouteModel> match = default;
        Assert.True(model.Routes.TryMatch("h"u8, HttpMethod.Get, "/prod"u8, ref match));
        var api = Assert.IsType<WebSocketApiModel>(match.Route!.Integration);
        Assert.Equal(("chat", "prod"), (api.ApiName, api.StageName));
        Assert.Equal(new WebSocketLimits(32 * 1024, 128 * 1024, TimeSpan.FromMinutes(10), TimeSpan.FromHours(2), 1024 * 1024), api.Limits);
        Assert.Equal("action", Assert.Single(api.Selection.Path));
        Assert.Equal(("$connect", "$disconnect", "$default"), (api.Connect!.Key, api.Disconnect!.Key, api.Default!.Key));
        Assert.Equal(1, api.Routes.Count);
        Assert.True(api.Routes.Find("send"u8)!.RouteResponse);
        Assert.True(api.AllowsAnyOrigin);
        Assert.Null(api.NewConnectionsThrottle);
        Assert.False(model.Routes.TryMatch("h"u8, HttpMethod.Post, "/prod"u8, ref match));
    }

    [Fact]
    public void WebSocketApi_WithEveryKindOfMistake_ReportsEachWithItsPath()
    {
        var paths = ErrorPaths(Config("""
            { "key": "$connect", "routeResponse": true, "integration": { "type": "mock" } },
            { "key": "send", "integration": { "type": "mock" } },
            { "key": "send", "integration": { "type": "mock" } },
            { "key": "$custom", "integration": { "type": "mock" } },
            { "key": "cached", "cache": { "enabled": true }, "integration": { "type": "mock" } },
            { "key": "limited", "throttle": { "rateLimit": 1, "burstLimit": 1 }, "integration": { "type": "mock" } },
            { "key": "sized", "maxBodyBytes": 10, "integration": { "type": "mock" } },
            { "key": "nowhere", "integration": { "type": "http", "cluster": "missing" } }
            """, """
            "routeSelectionExpression": "$request.header.x",
            "webSocket": { "maxFrameBytes": 10, "maxMessageBytes": 100, "idleTimeoutSeconds": 0,
                           "allowedOrigins": ["app.example.com", "https://x/path"], "subprotocols": ["a b"] },
            """));

        Assert.Equal(
        [
            "apis[0].routeSelectionExpression",
            "apis[0].webSocket.maxFrameBytes",
            "apis[0].webSocket.maxMessageBytes",
            "apis[0].webSocket.idleTimeoutSeconds",
            "apis[0].webSocket.allowedOrigins[0]",
            "apis[0].webSocket.allowedOrigins[1]",
            "apis[0].webSocket.subprotocols[0]",
            "apis[0].routes[0].routeResponse",
            "apis[0].routes[2].key",
            "apis[0].routes[3].key",
            "apis[0].routes[4].cache",
            "apis[0].routes[5]",
            "apis[0].routes[6].maxBodyBytes",
            "apis[0].routes[7].integration.cluster",
        ], paths);
    }

    [Theory]
    [InlineData(""" "protocol": "grpc", """, "apis[0].protocol")]
    [InlineData(""" "routeSelectionExpression": "$request.body.action", """, "apis[0].routeSelectionExpression")]
    [InlineData(""" "webSocket": { "maxFrameBytes": 1000 }, """, "apis[0].webSocket")]
    public void HttpApi_RefusesWebSocketSettings(string extra, string path)
    {
        string json = $$"""{ "apis": [ { "name": "a", {{extra}} "stages": [ { "name": "s" } ], "routes": [ { "key": "GET /x", {{Mock}} } ] } ] }""";
        Assert.Equal([path], ErrorPaths(json));
    }

    [Fact]
    public void HttpRoute_RefusesRouteResponse() =>
        Assert.Equal(["apis[0].routes[0].routeResponse"], ErrorPaths(Api($$"""{ "key": "GET /x", "routeResponse": true, {{Mock}} }""")));
}
