using System.Text;
using EdgeGw.Core.Model;
using EdgeGw.Core.Routing;
using EdgeGw.Core.Tests.Configuration;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Core.Tests.Routing;

/// <summary>Custom domain names in the route table: Host → domain → longest base path → the mapped stage's routes.</summary>
public sealed class DomainRoutingTests
{
    private static readonly GatewayModel Model = ConfigFixture.Valid("""
        {
          "apis": [
            { "name": "petstore", "stages": [ { "name": "prod" }, { "name": "beta" } ], "routes": [
              { "key": "GET /", "integration": { "type": "mock", "body": "root" } },
              { "key": "GET /pets/{id}", "integration": { "type": "mock" } },
              { "key": "ANY /{proxy+}", "integration": { "type": "mock" } } ] },
            { "name": "orders", "stages": [ { "name": "v2" } ], "routes": [
              { "key": "GET /{id}", "integration": { "type": "mock" } },
              { "key": "GET /", "integration": { "type": "mock" } } ] },
            { "name": "items", "stages": [ { "name": "$default" } ], "routes": [
              { "key": "$default", "integration": { "type": "mock" } } ] },
            { "name": "bound", "hosts": [ "other.example.com" ], "stages": [ { "name": "prod" } ], "routes": [
              { "key": "GET /x", "integration": { "type": "mock" } } ] }
          ],
          "domains": [
            { "name": "API.example.com", "mappings": [
              { "path": "", "api": "petstore", "stage": "prod" },
              { "path": "v2/orders", "api": "orders", "stage": "v2" },
              { "path": "v2/orders/items/all", "api": "items", "stage": "$default" },
              { "path": "beta", "api": "petstore", "stage": "beta" } ] },
            { "name": "orders.example.com", "mappings": [ { "path": "v2", "api": "orders", "stage": "v2" } ] },
            { "name": "*.tenants.example.com", "mappings": [ { "path": "(none)", "api": "orders", "stage": "v2" } ] },
            { "name": "exact.tenants.example.com", "mappings": [ { "path": "p", "api": "petstore", "stage": "beta" } ] }
          ]
        }
        """);

    [Theory]
    // host, path → api, stage, route key, stage prefix length, base path matched
    [InlineData("api.example.com", "/v2/orders/7", "orders", "v2", "GET /{id}", 10, "v2/orders")]
    [InlineData("api.example.com", "/v2/orders", "orders", "v2", "GET /", 10, "v2/orders")]
    [InlineData("api.example.com", "/v2/orders/", "orders", "v2", "GET /", 10, "v2/orders")]
    [InlineData("API.Example.COM:8443", "/v2/orders/7", "orders", "v2", "GET /{id}", 10, "v2/orders")]
    [InlineData("api.example.com.", "/v2/orders/7", "orders", "v2", "GET /{id}", 10, "v2/orders")]
    [InlineData("api.example.com", "/v2/orders/items/all/x/y", "items", "$default", "$default", 20, "v2/orders/items/all")]
    // Not on a segment boundary: the catch-all.
    [InlineData("api.example.com", "/v2/ordersX/7", "petstore", "prod", "ANY /{proxy+}", 0, "")]
    [InlineData("api.example.com", "/v2/orders/items", "orders", "v2", "GET /{id}", 10, "v2/orders")]
    [InlineData("api.example.com", "/pets/9", "petstore", "prod", "GET /pets/{id}", 0, "")]
    [InlineData("api.example.com", "/", "petstore", "prod", "GET /", 0, "")]
    [InlineData("api.example.com", "/beta/pets/9", "petstore", "beta", "GET /pets/{id}", 5, "beta")]
    // The stage prefix means nothing on a domain: /prod is a path of the catch-all mapping.
    [InlineData("api.example.com", "/prod/pets/9", "petstore", "prod", "ANY /{proxy+}", 0, "")]
    [InlineData("a.tenants.example.com", "/5", "orders", "v2", "GET /{id}", 0, "")]
    [InlineData("exact.tenants.example.com", "/p/pets/1", "petstore", "beta", "GET /pets/{id}", 2, "p")]
    public void DomainRequests_GoByTheLongestMatchingBasePath(string host, string path, string api, string stage, string routeKey, int prefix, string basePath)
    {
        Assert.True(TryMatch(host, path, out var match), $"{host} {path} matched nothing");

        Assert.Equal((api, stage, routeKey), (match.Route!.ApiName, match.Route.StageName, match.Route.RouteKey));
        Assert.Equal(prefix, match.StagePrefixLength);
        Assert.Equal(basePath, match.Mapping!.BasePath);
        Assert.Equal(basePath, Encoding.ASCII.GetString(match.Mapping.BasePathBytes));
    }

    [Fact]
    public void TheCapturedParameter_IsInTheRemovedBasePathsRest()
    {
        Assert.True(TryMatch("api.example.com", "/v2/orders/7", out var match));

        var capture = match.Captures[0];
        Assert.Equal("7", "/v2/orders/7".Substring(capture.Start, capture.Length));
        Assert.Equal("api.example.com", match.Mapping!.DomainName);
    }

    [Theory]
    // A domain without a matching mapping (and no catch-all) is a 404, never the stage-prefix routing.
    [InlineData("orders.example.com", "/v3/1")]
    [InlineData("orders.example.com", "/")]
    [InlineData("orders.example.com", "/v2x")]
    // The longest mapping wins even when its API has no route for the rest: no fall back to a shorter one.
    [InlineData("api.example.com", "/v2/orders/7/8")]
    [InlineData("api.example.com", "/v2/orders/items/allx")]
    // A wildcard matches one label only; the exact name beats it and has no catch-all.
    [InlineData("exact.tenants.example.com", "/5")]
    public void DomainRequests_WithoutAMatch_MatchNothing(string host, string path)
    {
        Assert.False(TryMatch(host, path, out var match));
        Assert.Null(match.Route);
    }


    [Theory]
    [InlineData("localhost:8080", "/prod/pets/1", "petstore", "prod")]
    [InlineData("", "/v2/1", "orders", "v2")]
    [InlineData("other.example.com", "/prod/x", "bound", "prod")]
    // A wildcard domain claims one more label only, and not its parent name.
    [InlineData("a.b.tenants.example.com", "/v2/5", "orders", "v2")]
    [InlineData("tenants.example.com", "/v2/5", "orders", "v2")]
    public void RequestsNoDomainClaims_KeepStagePrefixAndHostRouting(string host, string path, string api, string stage)
    {
        Assert.True(TryMatch(host, path, out var match));

        Assert.Equal((api, stage), (match.Route!.ApiName, match.Route.StageName));
        Assert.Null(match.Mapping);
    }

    [Fact]
    public void Matching_AllocatesNothing()
    {
        var host = "API.example.com"u8.ToArray();
        var path = "/v2/orders/items/all/x"u8.ToArray();
        var wildcard = "a.tenants.example.com"u8.ToArray();
        var miss = "/v3/1"u8.ToArray();
        RouteMatch<RouteModel> match = default;
        Model.Routes.TryMatch(host, HttpMethod.Get, path, ref match);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            Model.Routes.TryMatch(host, HttpMethod.Get, path, ref match);
            Model.Routes.TryMatch(wildcard, HttpMethod.Get, miss, ref match);
            Model.Routes.TryMatch("orders.example.com"u8, HttpMethod.Get, miss, ref match);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static bool TryMatch(string host, string path, out RouteMatch<RouteModel> match)
    {
        match = default;
        return Model.Routes.TryMatch(Encoding.ASCII.GetBytes(host), HttpMethod.Get, Encoding.ASCII.GetBytes(path), ref match);
    }
}
