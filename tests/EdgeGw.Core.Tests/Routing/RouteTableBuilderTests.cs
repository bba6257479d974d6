using EdgeGw.Core.Routing;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Core.Tests.Routing;

public sealed class RouteTableBuilderTests
{
    [Fact]
    public void Build_RoutesToAnyReferenceType_WithCapturesAsOffsets()
    {
        var builder = new RouteTableBuilder<string>();
        builder.Add("api", [], "prod", Key("GET /pets/{id}"), "pet");
        builder.Add("api", [], "prod", Key("ANY /pets/{id}"), "any pet");
        builder.Add("api", [], "prod", Key("$default"), "fallback");
        var table = builder.Build();

        RouteMatch<string> match = default;
        Assert.True(table.TryMatch("h"u8, HttpMethod.Get, "/prod/pets/42"u8, ref match));
        Assert.Equal(("pet", 5, 1), (match.Route, match.StagePrefixLength, match.CaptureCount));
        Assert.Equal(new PathCapture(11, 2), match.Captures[0]);

        Assert.True(table.TryMatch("h"u8, HttpMethod.Delete, "/prod/pets/42"u8, ref match));
        Assert.Equal("any pet", match.Route);
        Assert.True(table.TryMatch("h"u8, HttpMethod.Get, "/prod/owners"u8, ref match));
        Assert.Equal("fallback", match.Route);
        Assert.Equal(3, table.Count);
    }

    [Fact]
    public void Add_TwoRoutesOfTheSameShape_IsRefused()
    {
        var builder = new RouteTableBuilder<string>();
        builder.Add("api", [], "prod", Key("GET /a/{x}"), "first");

        Assert.Throws<InvalidOperationException>(() => builder.Add("api", [], "prod", Key("GET /a/{y}"), "second"));
    }

    private static RouteKey Key(string text)
    {
        Assert.True(RouteKey.TryParse(text, out var key, out string error), error);
        return key;
    }
}
