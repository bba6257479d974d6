using System.Text;
using EdgeGw.Core.Model;
using EdgeGw.Core.WebSockets;

namespace EdgeGw.Core.Tests.WebSockets;

public sealed class WebSocketRouteMapTests
{
    private static WebSocketRouteModel Route(string key) => new()
    {
        Key = key,
        KeyBytes = Encoding.UTF8.GetBytes(key),
        Integration = new MockIntegrationModel { StatusCode = 200, Headers = [], Body = [] },
        RouteResponse = false,
    };

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(50)]
    public void Find_ReturnsEveryRouteByItsKeyBytes_AndNothingForOtherKeys(int count)
    {
        var routes = Enumerable.Range(0, count).Select(i => Route(i % 3 == 0 ? $"ключ-{i}." : $"route{i}.")).ToList();
        var map = new WebSocketRouteMap(routes);

        Assert.Equal(count, map.Count);
        foreach (var route in routes)
        {
            Assert.Same(route, map.Find(route.KeyBytes));
            var oneByteOff = route.KeyBytes.ToArray();
            oneByteOff[^1] ^= 1;
            Assert.Null(map.Find(oneByteOff));
            Assert.Null(map.Find(route.KeyBytes.AsSpan(0, route.KeyBytes.Length - 1)));
        }

        Assert.Null(map.Find("missing"u8));
        Assert.Null(map.Find([]));
    }
}
