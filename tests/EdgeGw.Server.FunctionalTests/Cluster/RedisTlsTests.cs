using System.Net;
using System.Net.Http;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeGw.Server.FunctionalTests.Cluster;

/// <summary>
/// Global mode over TLS to a real <c>redis-server</c> listening on a TLS port only (Debian's build has TLS), with a
/// private CA: <c>ssl=true</c> in <c>redis.configuration</c>, <c>redis.caFile</c> to trust the CA and
/// <c>redis.certFile</c>/<c>keyFile</c> for a Redis that requires client certificates.
/// </summary>
public sealed class RedisTlsTests(ITestOutputHelper output) : IDisposable
{
    private const string Key = "tls-shared-key-0123456789ab";
    private readonly TestPki _pki = TestPki.Create();

    public void Dispose() => _pki.Dispose();

    private sealed record Files(string Ca, string ServerCert, string ServerKey, string ClientCert, string ClientKey);

    private Files Issue()
    {
        using var ca = _pki.CreateCa("EdgeGw Redis test CA");
        using var server = TestPki.Issue(ca, "redis", ["localhost"], loopbackIp: true);
        using var client = TestPki.Issue(ca, "edgegw", [], loopbackIp: false, client: true);
        return new Files(_pki.WriteCertificate(ca, "ca.pem"), _pki.WriteCertificate(server, "redis.pem"), _pki.WriteKey(server, "redis.key"),
            _pki.WriteCertificate(client, "client.pem"), _pki.WriteKey(client, "client.key"));
    }

    private static string Config(string redis, string tls, string prefix) => $$"""
        {
          "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 1 },
          "redis": { "configuration": "{{redis}}", "failMode": "closed", "syncIntervalMs": 50, "leaseWaitMs": 5000, "keyPrefix": "{{prefix}}" {{tls}} },
          "state": { "path": {{TestPki.Json(Path.Combine(Path.GetTempPath(), $"edgegw-redis-tls-{Guid.NewGuid():N}.json"))}} },
          "usagePlans": [ { "name": "p", "stages": ["shop/prod"], "quota": { "limit": 12, "period": "DAY" } } ],
          "apiKeys": { "keys": [ { "id": "k", "value": "{{Key}}", "usagePlans": ["p"] } ] },
          "apis": [ { "name": "shop", "stages": [ { "name": "prod" } ], "routes": [
            { "key": "GET /metered", "apiKeyRequired": true, "integration": { "type": "mock", "body": "ok" } } ] } ]
        }
        """;

    private static async Task<HttpStatusCode> GetAsync(HttpClient client)
    {
        using var request = new HttpRequestMessage(System.Net.Http.HttpMethod.Get, "/prod/metered");
        request.Headers.Add("x-api-key", Key);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    [RedisFact]
    public async Task ClientCertificateRequired_TwoInstancesShareOneQuotaOverTls()
    {
        var files = Issue();
        await using var redis = await RedisServer.StartTlsAsync(files.ServerCert, files.ServerKey, files.Ca, authClients: "yes");
        string tls = $", \"caFile\": {TestPki.Json(files.Ca)}, \"certFile\": {TestPki.Json(files.ClientCert)}, \"keyFile\": {TestPki.Json(files.ClientKey)}";
        string config = Config(redis.Configuration, tls, $"tls{Guid.NewGuid():N}:");
        await using var first = await TestGateway.StartAsync(config);
        await using var second = await TestGateway.StartAsync(config);
        using var a = first.CreateClient();
        using var b = second.CreateClient();

        int admitted = 0;
        int refused = 0;
        for (int i = 0; i < 30; i++)
        {
            var status = await GetAsync(i % 2 == 0 ? a : b);
            if (status == HttpStatusCode.OK)
            {
                admitted++;
            }
            else
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, status);
                refused++;
            }
        }

        output.WriteLine($"quota 12 over TLS across 2 instances: {admitted} admitted, {refused} refused");
        Assert.True(first.Runtime.Access.Redis!.IsConnected && second.Runtime.Access.Redis!.IsConnected);
        Assert.Equal(12, admitted);
    }

    /// <summary>Without <c>caFile</c> the private CA is not trusted: no connection, so global mode fails closed.</summary>
    [RedisFact]
    public async Task UntrustedCa_NoConnection_FailsClosed()
    {
        var files = Issue();
        await using var redis = await RedisServer.StartTlsAsync(files.ServerCert, files.ServerKey, files.Ca, authClients: "no");
        await using var gateway = await TestGateway.StartAsync(Config(redis.Configuration, "", $"tls{Guid.NewGuid():N}:").Replace("\"leaseWaitMs\": 5000", "\"leaseWaitMs\": 200", StringComparison.Ordinal));
        using var client = gateway.CreateClient();

        Assert.Equal(HttpStatusCode.TooManyRequests, await GetAsync(client));
        Assert.False(gateway.Runtime.Access.Redis!.IsConnected);
    }

    /// <summary>A Redis that requires client certificates refuses a gateway without one.</summary>
    [RedisFact]
    public async Task ClientCertificateMissing_NoConnection_FailsClosed()
    {
        var files = Issue();
        await using var redis = await RedisServer.StartTlsAsync(files.ServerCert, files.ServerKey, files.Ca, authClients: "yes");
        string config = Config(redis.Configuration, $", \"caFile\": {TestPki.Json(files.Ca)}", $"tls{Guid.NewGuid():N}:")
            .Replace("\"leaseWaitMs\": 5000", "\"leaseWaitMs\": 200", StringComparison.Ordinal);
        await using var gateway = await TestGateway.StartAsync(config);
        using var client = gateway.CreateClient();

        Assert.Equal(HttpStatusCode.TooManyRequests, await GetAsync(client));
        Assert.False(gateway.Runtime.Access.Redis!.IsConnected);
    }
}
