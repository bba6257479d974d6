using System.Text;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Protocols.Tests.Http1;

public sealed class QueryPairsTests
{
    private static List<string> Pairs(string query)
    {
        var seen = new List<string>();
        foreach (var pair in new QueryPairs(Encoding.ASCII.GetBytes(query)))
        {
            seen.Add($"{Encoding.ASCII.GetString(pair.Name)}|{Encoding.ASCII.GetString(pair.Value)}|{pair.HasValue}|{Encoding.ASCII.GetString(pair.Raw)}");
        }

        return seen;
    }

    [Fact]
    public void Pairs_AreRawInOrder_WithOrWithoutTheQuestionMark()
    {
        string[] expected = ["a|1|True|a=1", "b|x%20y|True|b=x%20y", "a|2|True|a=2"];
        Assert.Equal(expected, Pairs("?a=1&b=x%20y&a=2"));
        Assert.Equal(expected, Pairs("a=1&b=x%20y&a=2"));
    }

    [Theory]
    [InlineData("", new string[0])]
    [InlineData("?", new string[0])]
    [InlineData("&&", new string[0])]
    [InlineData("a&&b=", new[] { "a||False|a", "b||True|b=" })]
    [InlineData("=v&k==", new[] { "|v|True|=v", "k|=|True|k==" })]
    public void EmptyPairs_AreSkipped_AndTheFirstEqualsSplits(string query, string[] expected) =>
        Assert.Equal(expected, Pairs(query));
}
