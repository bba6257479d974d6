using System.Collections.Immutable;
using System.Text;
using EdgeGw.Core.Caching;

namespace EdgeGw.Core.Tests.Caching;

public sealed class CacheKeyBuilderTests
{
    private static RouteCachePolicy Policy(string[] query, string[] headers) => new()
    {
        Ttl = TimeSpan.FromSeconds(60),
        MethodMask = 0b110,
        KeyQuery = [.. query.Select(Encoding.ASCII.GetBytes)],
        KeyHeaders = [.. headers.Select(h => Encoding.ASCII.GetBytes(h.ToLowerInvariant()))],
        CacheSetCookie = false,
        RequireAuthorizationForInvalidation = true,
        Unauthorized = UnauthorizedInvalidation.IgnoreWithHeader,
        InvalidateKeyHashes = [],
        ApiName = "api",
        StageName = "prod",
        KeyPrefix = "api\0prod\0GET /x\0"u8.ToArray(),
        StagePrefixLength = 9,
        Statuses = [200],
    };

    private static string Key(RouteCachePolicy policy, string path, string query, params string[][] headerValues)
    {
        var buffer = new byte[CacheKeyBuilder.MaxLength(policy, 200)];
        var builder = new CacheKeyBuilder(buffer);
        builder.Start(policy, "GET"u8, Encoding.ASCII.GetBytes(path));
        builder.AddQuery(policy, Encoding.ASCII.GetBytes(query));
        foreach (string[] values in headerValues)
        {
            builder.BeginPart();
            foreach (string value in values)
            {
                builder.AddValue(Encoding.ASCII.GetBytes(value));
            }
        }

        Assert.Equal(path, Encoding.ASCII.GetString(buffer, builder.PathOffset, builder.PathLength));
        return Encoding.ASCII.GetString(builder.Written);
    }

    [Fact]
    public void Key_NamesStageRouteMethodAndPath()
    {
        var policy = Policy([], []);
        Assert.Equal("api\0prod\0GET /x\0GET /items/1", Key(policy, "/items/1", "?anything=1"));
    }

    [Theory]
    [InlineData("?q=a&page=1", "?page=2&q=a", true)]
    [InlineData("?q=a", "?q=b", false)]
    [InlineData("?q=", "", false)]
    [InlineData("?q", "?q=", true)]
    [InlineData("?q=a&q=b", "?q=b&q=a", false)]
    [InlineData("?qq=a", "", true)]
    [InlineData("?q=a%20b", "?q=a+b", false)]
    public void QueryKeyParameters_OnlyNamedOnesCount(string left, string right, bool same)
    {
        var policy = Policy(["q"], []);
        Assert.Equal(same, Key(policy, "/s", left) == Key(policy, "/s", right));
    }

    [Fact]
    public void HeaderValues_AbsentEmptyAndRepeated_AreAllDistinct()
    {
        var policy = Policy([], ["accept"]);
        string absent = Key(policy, "/s", "", []);
        string empty = Key(policy, "/s", "", [""]);
        string one = Key(policy, "/s", "", ["a,b"]);
        string two = Key(policy, "/s", "", ["a", "b"]);

        Assert.Equal(4, new[] { absent, empty, one, two }.Distinct().Count());
    }

    [Fact]
    public void MaxLength_BoundsTheWorstCase()
    {
        var policy = Policy(["a", "b"], ["h"]);
        string query = "?a&b&a&b&a=&b=";
        string head = $"GET /p{query} HTTP/1.1\r\nh: \r\nh: \r\n\r\n";
        var buffer = new byte[CacheKeyBuilder.MaxLength(policy, head.Length)];
        var builder = new CacheKeyBuilder(buffer);
        builder.Start(policy, "GET"u8, "/p"u8);
        builder.AddQuery(policy, Encoding.ASCII.GetBytes(query));
        builder.BeginPart();
        builder.AddValue(default);
        builder.AddValue(default);

        Assert.InRange(builder.Length, 1, buffer.Length);
    }
}
