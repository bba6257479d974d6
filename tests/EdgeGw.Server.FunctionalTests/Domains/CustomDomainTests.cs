using System.Net;
using System.Net.Http;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Domains;

/// <summary>
/// Custom domain names with API mappings through the real gateway, over plain HTTP with Host headers (TLS
/// termination is the listener's). Runs on the transport EDGEGW_TEST_TRANSPORT names.
/// </summary>
public sealed class CustomDomainTests
{
    private static string Config(string upstream) => $$"""
        {
          "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 1 },
          "clusters": [ { "name": "up", "destinations": [ "{{upstream}}" ] } ],
          "apis": [
            { "name": "petstore", "stages": [ { "name": "prod" } ], "routes": [
              { "key": "GET /pets", "integration": { "type": "mock", "body": "petstore prod" } } ] },
            { "name": "orders", "stages": [ { "name": "v2" } ], "routes": [
              { "key": "ANY /{proxy+}", "integration": { "type": "http", "cluster": "up" } } ] }
          ],
          "domains": [
            { "name": "api.example.com", "mappings": [
              { "path": "", "api": "petstore", "stage": "prod" },
              { "path": "v2/orders", "api": "orders", "stage": "v2" } ] },
            { "name": "only.example.com", "mappings": [ { "path": "v2/orders", "api": "orders", "stage": "v2" } ] }
          ]
        }
        """;

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string host, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = host;
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task LongestBasePath_RoutesToItsApiStage_WithTheBasePathRemoved()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority));
        using var client = gateway.CreateClient();

        using var orders = await GetAsync(client, $"API.Example.com:{gateway.Port}", "/v2/orders/7?x=1");
        using var root = await GetAsync(client, "api.example.com", "/pets");

        Assert.Equal(HttpStatusCode.OK, orders.StatusCode);
        Assert.Equal("/7", orders.Headers.GetValues("x-echo-path").Single());
        Assert.Equal("?x=1", orders.Headers.GetValues("x-echo-query").Single());
        Assert.Equal(HttpStatusCode.OK, root.StatusCode);
        Assert.Equal("petstore prod", await root.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task DomainWithoutAMatchingMapping_404_WithAwsMessage()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority));
        using var client = gateway.CreateClient();

        using var unmapped = await GetAsync(client, "only.example.com", "/pets");
        // The stage prefix does not apply on a domain: /prod is just a path of its mappings.
        using var stagePrefix = await GetAsync(client, "only.example.com", "/prod/pets");
        using var noRoute = await GetAsync(client, "api.example.com", "/nothing");

        foreach (var response in new[] { unmapped, stagePrefix, noRoute })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("""{"message":"Not Found"}""", await response.Content.ReadAsStringAsync());
        }

        Assert.Equal(0, upstream.RequestsSeen);
    }

    [Fact]
    public async Task RequestsNoDomainClaims_KeepStagePrefixRouting()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority));
        using var client = gateway.CreateClient();

        using var pets = await client.GetAsync("/prod/pets");
        using var orders = await GetAsync(client, "elsewhere.example.com", "/v2/5");

        Assert.Equal("petstore prod", await pets.Content.ReadAsStringAsync());
        Assert.Equal("/5", orders.Headers.GetValues("x-echo-path").Single());
    }

    [Fact]
    public async Task Reload_AddsAMapping()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority));
        using var client = gateway.CreateClient();
        using (var before = await GetAsync(client, "only.example.com", "/shop/pets"))
        {
            Assert.Equal(HttpStatusCode.NotFound, before.StatusCode);
        }

        gateway.Runtime.Swap(TestGateway.BuildModel(Config(upstream.Authority).Replace(
            """ "only.example.com", "mappings": [ """,
            """ "only.example.com", "mappings": [ { "path": "shop", "api": "petstore", "stage": "prod" }, """, StringComparison.Ordinal)));

        using var after = await GetAsync(client, "only.example.com", "/shop/pets");
        Assert.Equal("petstore prod", await after.Content.ReadAsStringAsync());
    }

    /// <summary>curl (not ours) resolving the domain name to the gateway, so its Host header is the real thing.</summary>
    [CurlFact]
    public async Task Curl_ReachesTheMappedApi_ByDomainName()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority));

        string headers = await Curl.RunAsync("-s", "-D", "-", "-o", "/dev/null", "--max-time", "10",
            "--resolve", $"api.example.com:{gateway.Port}:127.0.0.1", $"http://api.example.com:{gateway.Port}/v2/orders/items/9");

        Assert.StartsWith("HTTP/1.1 200", headers, StringComparison.Ordinal);
        Assert.Contains("x-echo-path: /items/9", headers, StringComparison.OrdinalIgnoreCase);
    }
}
