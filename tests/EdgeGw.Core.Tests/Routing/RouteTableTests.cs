using System.Text;
using EdgeGw.Core.Model;
using EdgeGw.Core.Routing;
using EdgeGw.Core.Tests.Configuration;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Core.Tests.Routing;

public sealed class RouteTableTests
{
    private static readonly GatewayModel Precedence = Build("""
        { "name": "a", "stages": [ { "name": "prod" } ], "routes": [
            { "key": "GET /pets/dog", M },
            { "key": "GET /pets/{id}", M },
            { "key": "GET /pets/{proxy+}", M },
            { "key": "GET /a/b/d", M },
            { "key": "GET /a/{x}/c", M },
            { "key": "POST /pets/cat", M },
            { "key": "ANY /pets/cat", M },
            { "key": "DELETE /only/{id}", M },
            { "key": "ANY /only/{proxy+}", M },
            { "key": "GET /", M },
            { "key": "GET /files/{path+}", M },
            { "key": "GET /%7Euser", M },
            { "key": "$default", M } ] }
        """);

    [Theory]
    [InlineData("GET", "/prod/pets/dog", "GET /pets/dog")]
    [InlineData("GET", "/prod/pets/cow", "GET /pets/{id}")]
    [InlineData("GET", "/prod/pets/dog/tail", "GET /pets/{proxy+}")]
    [InlineData("GET", "/prod/nothing/here", "$default")]
    [InlineData("GET", "/prod/a/b/d", "GET /a/b/d")]
    [InlineData("GET", "/prod/a/b/c", "GET /a/{x}/c")]
    [InlineData("POST", "/prod/pets/cat", "POST /pets/cat")]
    [InlineData("PUT", "/prod/pets/cat", "ANY /pets/cat")]
    [InlineData("GET", "/prod/pets/cat", "ANY /pets/cat")]
    [InlineData("DELETE", "/prod/only/1", "DELETE /only/{id}")]
    [InlineData("GET", "/prod/only/1", "ANY /only/{proxy+}")]
    [InlineData("HEAD", "/prod/pets/dog", "GET /pets/dog")]
    [InlineData("GET", "/prod", "GET /")]
    [InlineData("GET", "/prod/", "GET /")]
    [InlineData("GET", "/prod/files", "$default")]
    [InlineData("GET", "/prod/pets/", "$default")]
    [InlineData("GET", "/prod/%7Euser", "GET /%7Euser")]
    [InlineData("GET", "/prod/~user", "$default")]
    public void Precedence_FollowsAwsHttpApis(string method, string path, string expected)
    {
        Assert.Equal(expected, Match(Precedence, method, path).Route!.RouteKey);
    }

    [Theory]
    [InlineData("/prod/pets/cow", new[] { "cow" })]
    [InlineData("/prod/pets/dog/tail/end", new[] { "dog/tail/end" })]
    [InlineData("/prod/a/zz/c", new[] { "zz" })]
    [InlineData("/prod/files/x/y/", new[] { "x/y/" })]
    [InlineData("/prod/pets/caf%C3%A9", new[] { "caf%C3%A9" })]
    public void Captures_AreOffsetsIntoTheRawPath(string path, string[] expected)
    {
        var match = Match(Precedence, "GET", path);
        var bytes = Encoding.ASCII.GetBytes(path);

        Assert.Equal(5, match.StagePrefixLength);
        Assert.Equal(expected.Length, match.CaptureCount);
        for (int i = 0; i < expected.Length; i++)
        {
            var capture = match.Captures[i];
            Assert.Equal(expected[i], Encoding.ASCII.GetString(bytes, capture.Start, capture.Length));
        }
    }

    [Fact]
    public void UnknownStage_OrPathWithoutSlash_DoesNotMatch()
    {
        Assert.False(TryMatch(Precedence, "GET", "/staging/pets/dog", out _));
        Assert.False(TryMatch(Precedence, "GET", "*", out _));
        Assert.False(TryMatch(Precedence, "GET", "", out _));
    }

    [Fact]
    public void MethodWithoutRoute_AndNoDefault_DoesNotMatch()
    {
        var model = Build("""{ "name": "a", "stages": [ { "name": "s" } ], "routes": [ { "key": "GET /x", M } ] }""");
        Assert.False(TryMatch(model, "POST", "/s/x", out _));
        Assert.True(TryMatch(model, "GET", "/s/x", out _));
    }

    [Fact]
    public void DefaultStage_ServesWithoutPrefix_AndNamedStagesWin()
    {
        var model = Build("""
            { "name": "a", "stages": [ { "name": "$default" }, { "name": "v2" } ], "routes": [ { "key": "GET /v2/x", M }, { "key": "GET /x", M } ] }
            """);

        var viaDefault = Match(model, "GET", "/x");
        Assert.Equal(("$default", 0), (viaDefault.Route!.StageName, viaDefault.StagePrefixLength));

        var viaNamed = Match(model, "GET", "/v2/x");
        Assert.Equal(("v2", 3), (viaNamed.Route!.StageName, viaNamed.StagePrefixLength));

        // Neither stage v2 (/v2/v2/x) nor the $default stage (/v2/v2/v2/x) has such a route.
        Assert.False(TryMatch(model, "GET", "/v2/v2/v2/x", out _));
    }

    [Fact]
    public void NamedStageMiss_FallsBackToTheDefaultStage()
    {
        var model = Build("""
            { "name": "a", "stages": [ { "name": "$default" }, { "name": "v2" } ], "routes": [ { "key": "GET /v2/only", M } ] }
            """);
        var match = Match(model, "GET", "/v2/only");
        Assert.Equal("$default", match.Route!.StageName);
    }

    [Theory]
    [InlineData("api.example.com", "bound")]
    [InlineData("API.Example.COM:8443", "bound")]
    [InlineData("api.example.com.", "bound")]
    [InlineData("other.example.com", "unbound")]
    [InlineData("", "unbound")]
    [InlineData("[::1]:80", "unbound")]
    public void HostBinding_IsCaseInsensitive_AndIgnoresThePort(string host, string expectedApi)
    {
        var model = ConfigFixture.Valid("""
            { "apis": [
              { "name": "bound", "hosts": [ "api.example.com" ], "stages": [ { "name": "s" } ], "routes": [ { "key": "GET /x", "integration": { "type": "mock" } } ] },
              { "name": "unbound", "stages": [ { "name": "s" } ], "routes": [ { "key": "GET /x", "integration": { "type": "mock" } } ] } ] }
            """);

        RouteMatch<RouteModel> match = default;
        Assert.True(model.Routes.TryMatch(Encoding.ASCII.GetBytes(host), HttpMethod.Get, "/s/x"u8, ref match));
        Assert.Equal(expectedApi, match.Route!.ApiName);
    }

    [Fact]
    public void BoundHost_DoesNotSeeUnboundApis()
    {
        var model = ConfigFixture.Valid("""
            { "apis": [
              { "name": "bound", "hosts": [ "b.example" ], "stages": [ { "name": "s" } ], "routes": [ { "key": "GET /x", "integration": { "type": "mock" } } ] },
              { "name": "unbound", "stages": [ { "name": "s" } ], "routes": [ { "key": "GET /y", "integration": { "type": "mock" } } ] } ] }
            """);

        RouteMatch<RouteModel> match = default;
        Assert.False(model.Routes.TryMatch("b.example"u8, HttpMethod.Get, "/s/y"u8, ref match));
        Assert.True(model.Routes.TryMatch("elsewhere"u8, HttpMethod.Get, "/s/y"u8, ref match));
    }

    [Fact]
    public void Empty_MatchesNothing()
    {
        RouteMatch<RouteModel> match = default;
        Assert.False(RouteTable<RouteModel>.Empty.TryMatch("h"u8, HttpMethod.Get, "/"u8, ref match));
        Assert.Equal(0, RouteTable<RouteModel>.Empty.Count);
    }

    [Fact]
    public void Lookup_On300Routes_AllocatesNothing()
    {
        var model = RouteTables.ThreeHundredRoutes();
        Assert.Equal(300, model.Routes.Count);
        byte[][] paths = RouteTables.SamplePaths;
        RouteMatch<RouteModel> match = default;
        foreach (var path in paths)
        {
            Assert.True(model.Routes.TryMatch("api.example.com"u8, HttpMethod.Get, path, ref match), Encoding.ASCII.GetString(path));
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            foreach (var path in paths)
            {
                model.Routes.TryMatch("api.example.com"u8, HttpMethod.Get, path, ref match);
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.False(model.Routes.TryMatch("api.example.com"u8, HttpMethod.Get, "/prod/unknown/thing"u8, ref match));
    }

    private static GatewayModel Build(string api) =>
        ConfigFixture.Valid("{ \"apis\": [ " + api.Replace(" M }", " \"integration\": { \"type\": \"mock\" } }", StringComparison.Ordinal) + " ] }");

    private static RouteMatch<RouteModel> Match(GatewayModel model, string method, string path)
    {
        Assert.True(TryMatch(model, method, path, out var match), $"{method} {path} matched nothing");
        return match;
    }

    private static bool TryMatch(GatewayModel model, string method, string path, out RouteMatch<RouteModel> match)
    {
        match = default;
        var parsed = method switch
        {
            "GET" => HttpMethod.Get,
            "HEAD" => HttpMethod.Head,
            "POST" => HttpMethod.Post,
            "PUT" => HttpMethod.Put,
            "DELETE" => HttpMethod.Delete,
            _ => HttpMethod.Custom,
        };
        return model.Routes.TryMatch("h"u8, parsed, Encoding.ASCII.GetBytes(path), ref match);
    }
}
