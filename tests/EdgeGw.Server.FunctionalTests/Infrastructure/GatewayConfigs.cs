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
        int keepAliveTimeoutSeconds = 120, int requestHeadTimeoutSeconds = 10)
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
              "connectTimeoutMs": 2000, "idleTimeoutSeconds": 60, "responseTimeoutMs": 29000 }
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
}
