using EdgeGw.Core.Tests.Configuration;

namespace EdgeGw.Core.Tests.Authorizers;

/// <summary>An API's <c>apiKeySource</c> (AWS): HEADER by default, AUTHORIZER for a request authorizer's usageIdentifierKey.</summary>
public sealed class ApiKeySourceTests
{
    private static string Config(string apiKeySource, string routeExtra = "\"authorizer\": \"partner\",") => $$"""
        { "clusters": [ { "name": "auth", "destinations": ["127.0.0.1:1"] } ],
          "apis": [ { "name": "a", {{apiKeySource}} "stages": [ { "name": "s" } ],
            "authorizers": [
              { "name": "partner", "type": "request", "identitySource": "$request.header.X-Token", "integration": { "cluster": "auth" } },
              { "name": "users", "type": "jwt", "identitySource": "$request.header.Authorization", "jwt": { "issuer": "https://issuer.example.com/", "audience": "a" } } ],
            "routes": [
              { "key": "GET /keyed", {{routeExtra}} "apiKeyRequired": true, "integration": { "type": "mock" } },
              { "key": "GET /open", "integration": { "type": "mock" } } ] } ] }
        """;

    [Theory]
    [InlineData("", false)]
    [InlineData("\"apiKeySource\": \"HEADER\",", false)]
    [InlineData("\"apiKeySource\": \"AUTHORIZER\",", true)]
    public void ApiKeySource_CompilesIntoTheRoutesAccess(string apiKeySource, bool fromAuthorizer)
    {
        var model = ConfigFixture.Valid(Config(apiKeySource));

        Assert.Equal(fromAuthorizer, model.RouteList.Single(r => r.RouteKey == "GET /keyed").Access!.ApiKeyFromAuthorizer);
        Assert.Null(model.RouteList.Single(r => r.RouteKey == "GET /open").Access);
    }

    [Theory]
    [InlineData("\"apiKeySource\": \"QUERY\",", "\"authorizer\": \"partner\",", "apis[0].apiKeySource")]
    [InlineData("\"apiKeySource\": \"authorizer\",", "\"authorizer\": \"partner\",", "apis[0].apiKeySource")] // AWS's spelling only
    public void InvalidApiKeySource_IsReportedWithItsPath(string apiKeySource, string routeExtra, string path) =>
        Assert.Equal([path], ConfigFixture.ErrorPaths(Config(apiKeySource, routeExtra)));

    [Theory]
    [InlineData("")] // no authorizer to supply the key
    [InlineData("\"authorizer\": \"users\",")] // a jwt authorizer supplies none
    public void AuthorizerKeyedRoute_WithoutARequestAuthorizer_IsWarnedAbout(string routeExtra)
    {
        var result = ConfigFixture.Load(Config("\"apiKeySource\": \"AUTHORIZER\",", routeExtra));

        Assert.NotNull(result.Model); // AWS accepts it too (every request is then 403)
        Assert.Contains(result.Warnings, w => w.Path == "apis[0].routes[0].apiKeyRequired");
    }
}
