using EdgeGw.Server.FunctionalTests.Infrastructure;
using EdgeGw.Tests.Tls;
using static EdgeGw.Server.FunctionalTests.Tls.TlsFixture;

namespace EdgeGw.Server.FunctionalTests.Tls;

/// <summary>A custom domain's certificate is served by SNI on the https listeners, beside server.tls's own.</summary>
public sealed class DomainCertificateTests : IDisposable
{
    private readonly TestCertificates _certs = new();

    public void Dispose() => _certs.Dispose();

    [Fact]
    public async Task DomainCertificate_IsServedForItsName_AndItsMappingsRouteTheRequest()
    {
        var (apiCert, apiKey, _) = _certs.Leaf("api", ["api.test"]);
        var (ordersCert, ordersKey, _) = _certs.Leaf("orders", ["orders.test"]);
        string config = $$"""
            { "server": { "listen": ["http://127.0.0.1:0"] },
              "domains": [ { "name": "orders.test", "certificate": { "certFile": {{Json(ordersCert)}}, "keyFile": {{Json(ordersKey)}} },
                             "mappings": [ { "path": "v2", "api": "orders", "stage": "prod" } ] } ],
              "apis": [ { "name": "orders", "stages": [ { "name": "prod" } ],
                          "routes": [ { "key": "GET /items", "integration": { "type": "mock", "body": "orders-v2" } } ] } ] }
            """;
        await using var gateway = await StartAsync(config, $$"""{ "certificates": [ {{Certificate(apiCert, apiKey, isDefault: true)}} ] }""");

        Assert.Equal("CN=orders.test", await ServedNameAsync(gateway, _certs, "orders.test"));
        Assert.Equal("CN=api.test", await ServedNameAsync(gateway, _certs, "api.test"));
        var (_, ssl) = await ConnectAsync(gateway, _certs, "orders.test");
        await using (ssl)
        {
            string response = await GetAsync(ssl, "/v2/items", host: "orders.test");
            Assert.StartsWith("HTTP/1.1 200 ", response, StringComparison.Ordinal);
            Assert.EndsWith("orders-v2", response, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task OnlyDomainCertificates_NeedNoServerTlsCertificates()
    {
        var (ordersCert, ordersKey, _) = _certs.Leaf("orders", ["orders.test"]);
        string config = $$"""
            { "server": { "listen": ["https://127.0.0.1:0"] },
              "domains": [ { "name": "orders.test", "certificate": { "certFile": {{Json(ordersCert)}}, "keyFile": {{Json(ordersKey)}} },
                             "mappings": [ { "path": "", "api": "orders", "stage": "prod" } ] } ],
              "apis": [ { "name": "orders", "stages": [ { "name": "prod" } ],
                          "routes": [ { "key": "GET /items", "integration": { "type": "mock", "body": "orders" } } ] } ] }
            """;
        await using var gateway = await TestGateway.StartAsync(config, urls: ["https://127.0.0.1:0"]);
        // The only certificate is also the default.
        Assert.Equal("CN=orders.test", await ServedNameAsync(gateway, _certs, null));
        var (_, ssl) = await ConnectAsync(gateway, _certs, "orders.test");
        await using (ssl)
        {
            Assert.EndsWith("orders", await GetAsync(ssl, "/items", host: "orders.test"), StringComparison.Ordinal);
        }
    }
}
