using System.Globalization;

namespace EdgeGw.Server.FunctionalTests.Infrastructure;

/// <summary>JSON configs for the tests: one API "t", stage "prod" (variable v=v1), one cluster "up".</summary>
public static class GatewayConfigs
{
    /// <summary>
    /// Routes: <c>ANY /echo/{proxy+}</c> → <c>/v1/{proxy}</c> on <paramref name="upstream"/>, <c>ANY /plain/{proxy+}</c> forwarded
    /// without a uri template, <c>GET /mock</c> (text "hi"), <c>ANY /small/{proxy+}</c> with a 16-byte body limit.
    /// </summary>
    public static string Standard(string upstream, int timeoutMs = 2000, int maxRequestLineBytes = 8192, int maxHeaderBytes = 32768,
        string mockBody = "hi", long maxBodyBytes = 104857600,
        int keepAliveTimeoutSeconds = 120, int requestHeadTimeoutSeconds = 10, int connectTimeoutMs = 2000)
    {
        string I(long value) => value.ToString(CultureInfo.InvariantCulture);
        return $$"""
        {
          "server": {
            "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 2, "keepAliveTimeoutSeconds": {{I(keepAliveTimeoutSeconds)}}, "requestHeadTimeoutSeconds": {{I(requestHeadTimeoutSeconds)}},
            "limits": { "maxRequestLineBytes": {{I(maxRequestLineBytes)}}, "maxHeaderBytes": {{I(maxHeaderBytes)}}, "maxHeaderCount": 100, "maxBodyBytes": 10485760 }
          },
          "clusters": [
            { "name": "up", "loadBalancing": "RoundRobin", "destinations": ["{{upstream}}"], "maxConnectionsPerDestination": 64,
              "connectTimeoutMs": {{I(connectTimeoutMs)}}, "idleTimeoutSeconds": 60, "responseTimeoutMs": 29000 }
          ],
          "apis": [
            { "name": "t", "stages": [ { "name": "prod", "variables": { "v": "v1" } } ],
              "routes": [
                { "key": "ANY /echo/{proxy+}", "maxBodyBytes": {{I(maxBodyBytes)}},
                  "integration": { "type": "http", "cluster": "up", "uri": "/${stageVariables.v}/{proxy}", "timeoutMs": {{I(timeoutMs)}} } },
                { "key": "ANY /plain/{proxy+}", "maxBodyBytes": {{I(maxBodyBytes)}},
                  "integration": { "type": "http", "cluster": "up", "timeoutMs": {{I(timeoutMs)}} } },
                { "key": "ANY /small/{proxy+}", "maxBodyBytes": 16,
                  "integration": { "type": "http", "cluster": "up", "timeoutMs": {{I(timeoutMs)}} } },
                { "key": "GET /mock", "integration": { "type": "mock", "status": 200, "headers": { "content-type": "text/plain" }, "body": "{{mockBody}}" } }
              ] }
          ]
        }
        """;
    }

    /// <summary>
    /// A WebSocket API "chat" on stage "prod" (path <c>/prod</c>) whose integrations are <paramref name="backend"/>
    /// (a <see cref="WebSocketBackend"/>): <c>$connect</c>, <c>$disconnect</c>, <c>echo</c> and <c>nested</c> (reply),
    /// <c>push</c> (answers through @connections), <c>fail</c> (500, reply), and a mock <c>$default</c> replying
    /// "default route" (or an echo through the backend with <paramref name="defaultEchoes"/>) unless <paramref name="withDefault"/> is false. <paramref name="webSocket"/> is the body of
    /// the API's <c>webSocket</c> settings object.
    /// </summary>
    public static string WebSocketApi(string backend, string webSocket = "", bool withDefault = true, string selection = "$request.body.action", string connectExtra = "",
        bool defaultEchoes = false)
    {
        string defaultRoute = !withDefault ? "" : defaultEchoes
            ? """{ "key": "$default", "routeResponse": true, "integration": { "type": "http", "cluster": "backend", "uri": "/echo" } },"""
            : """{ "key": "$default", "routeResponse": true, "integration": { "type": "mock", "body": "default route" } },""";
        return $$"""
        {
          "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 2 },
          "clusters": [ { "name": "backend", "destinations": ["{{backend}}"], "responseTimeoutMs": 5000 } ],
          "apis": [
            { "name": "chat", "protocol": "websocket", "routeSelectionExpression": "{{selection}}",
              "stages": [ { "name": "prod" } ],
              "webSocket": { {{webSocket}} },
              "routes": [
                { "key": "$connect", {{connectExtra}} "integration": { "type": "http", "cluster": "backend", "uri": "/connect" } },
                { "key": "$disconnect", "integration": { "type": "http", "cluster": "backend", "uri": "/disconnect" } },
                {{defaultRoute}}
                { "key": "echo", "routeResponse": true, "integration": { "type": "http", "cluster": "backend", "uri": "/echo" } },
                { "key": "upper", "routeResponse": true, "integration": { "type": "http", "cluster": "backend", "uri": "/upper" } },
                { "key": "push", "integration": { "type": "http", "cluster": "backend", "uri": "/push" } },
                { "key": "fail", "routeResponse": true, "integration": { "type": "http", "cluster": "backend", "uri": "/fail" } }
              ] }
          ]
        }
        """;
    }
}
