using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeGw.Core.WebSockets;

namespace EdgeGw.Core.Tests.WebSockets;

public sealed class RouteSelectionExpressionTests
{
    private static RouteSelectionExpression Parse(string text)
    {
        Assert.True(RouteSelectionExpression.TryParse(text, out var expression, out string error), error);
        return expression;
    }

    private static string? Select(string expression, string message)
    {
        Span<byte> key = stackalloc byte[RouteSelectionExpression.MaxKeyBytes];
        return Parse(expression).TrySelect(Encoding.UTF8.GetBytes(message), key, out int length) ? Encoding.UTF8.GetString(key[..length]) : null;
    }

    [Theory]
    [InlineData("$request.body.action", "action")]
    [InlineData("$request.body.a.b_c-d", "a/b_c-d")]
    public void Parse_AcceptsBodyPropertyPaths(string text, string path) =>
        Assert.Equal(path, string.Join('/', Parse(text).Path));

    [Theory]
    [InlineData("action", "must start with")]
    [InlineData("$request.header.action", "must start with")]
    [InlineData("$request.body.", "empty or unsupported")]
    [InlineData("$request.body.a..b", "empty or unsupported")]
    [InlineData("$request.body.a b", "empty or unsupported")]
    [InlineData("$request.body.a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q", "deeper than 16")]
    public void Parse_RefusesOtherExpressions_SayingWhy(string text, string reason)
    {
        Assert.False(RouteSelectionExpression.TryParse(text, out _, out string error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"action":"echo"}""", "echo")]
    [InlineData("""  {"action":"ec\u0068o"}""", "echo")]
    [InlineData("""{"action":42.5}""", "42.5")]
    [InlineData("""{"action":true}""", "true")]
    [InlineData("""{"action":false,"x":1}""", "false")]
    [InlineData("""{"a":{"b":{"action":"x"}},"action":"y"}""", "y")]
    [InlineData("""{"action":"first","action":"second"}""", "first")]
    [InlineData("""{"action":null}""", null)]
    [InlineData("""{"action":{"x":1}}""", null)]
    [InlineData("""{"action":["x"]}""", null)]
    [InlineData("""{"other":"echo"}""", null)]
    [InlineData("""{"action":"echo",""", null)]
    [InlineData("""{"action":"echo"} trailing""", null)]
    [InlineData("""[{"action":"echo"}]""", null)]
    [InlineData("\"action\"", null)]
    [InlineData("  42", null)]
    [InlineData("", null)]
    [InlineData("not json", null)]
    public void Select_OnATopLevelProperty(string message, string? expected) =>
        Assert.Equal(expected, Select("$request.body.action", message));

    [Theory]
    [InlineData("""{"meta":{"route":"echo"}}""", "echo")]
    [InlineData("""{"route":"x","meta":{"other":{"route":"no"},"route":"echo"}}""", "echo")]
    [InlineData("""{"meta":{"x":1},"other":{"route":"echo"}}""", null)]
    [InlineData("""{"meta":{"x":{"route":"deeper"}}}""", null)]
    [InlineData("""{"meta":"echo"}""", null)]
    [InlineData("""{"meta":["route"]}""", null)]
    public void Select_FollowsANestedPath_AndNeverMatchesASiblingOrDeeperProperty(string message, string? expected) =>
        Assert.Equal(expected, Select("$request.body.meta.route", message));

    [Fact]
    public void Select_RefusesValuesLongerThanTheKeyLimit()
    {
        string longest = new('k', RouteSelectionExpression.MaxKeyBytes);
        Assert.Equal(longest, Select("$request.body.action", $$"""{"action":"{{longest}}"}"""));
        Assert.Null(Select("$request.body.action", $$"""{"action":"{{longest}}k"}"""));
    }

    [Fact]
    public void Select_AgreesWithAJsonDocumentWalk_OnRandomObjects()
    {
        var random = new Random(2026);
        string[] names = ["a", "action", "b"];
        var expression = Parse("$request.body.a.action");
        int matched = 0;
        var key = new byte[RouteSelectionExpression.MaxKeyBytes];
        for (int i = 0; i < 2000; i++)
        {
            var json = Encoding.UTF8.GetBytes(RandomObject(random, names, depth: 0).ToJsonString());
            string? actual = expression.TrySelect(json, key, out int length) ? Encoding.UTF8.GetString(key, 0, length) : null;
            string? expected = Reference(json, ["a", "action"]);
            Assert.Equal(expected, actual);
            matched += expected is null ? 0 : 1;
        }

        // The generator must produce both outcomes often.
        Assert.InRange(matched, 200, 1800);
    }

    private static JsonObject RandomObject(Random random, string[] names, int depth)
    {
        var result = new JsonObject();
        if (depth == 0 && random.Next(10) < 7)
        {
            // Most top-level objects start down the expression's path, so that both outcomes are common.
            result["a"] = RandomObject(random, names, depth + 1);
        }

        int count = random.Next(0, 4);
        for (int i = 0; i < count; i++)
        {
            string name = names[random.Next(names.Length)];
            if (result.ContainsKey(name))
            {
                continue;
            }

            result[name] = random.Next(depth < 3 ? 7 : 5) switch
            {
                0 => JsonValue.Create("v" + random.Next(10)),
                1 => JsonValue.Create(random.Next(100)),
                2 => JsonValue.Create(random.Next(2) == 0),
                3 => null,
                4 => new JsonArray(JsonValue.Create(1)),
                _ => RandomObject(random, names, depth + 1),
            };
        }

        return result;
    }

    /// <summary>The obvious way: parse a document and walk the object path.</summary>
    private static string? Reference(byte[] json, string[] path)
    {
        using var document = JsonDocument.Parse(json);
        var element = document.RootElement;
        foreach (string name in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(name, out element))
            {
                return null;
            }
        }

        return element.ValueKind switch
        {
            JsonValueKind.String => element.GetString(),
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => element.GetRawText(),
            _ => null,
        };
    }
}
