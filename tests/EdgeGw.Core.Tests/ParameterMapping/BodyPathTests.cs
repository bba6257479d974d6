using System.Buffers;
using System.Collections.Immutable;
using System.Text;
using EdgeGw.Core.Model;
using EdgeGw.Core.Observability;
using EdgeGw.Core.ParameterMapping;
using static EdgeGw.Core.Tests.Configuration.ConfigFixture;

namespace EdgeGw.Core.Tests.ParameterMapping;

/// <summary><c>$request.body.&lt;json path&gt;</c>: compile errors, and values read from bodies cut at every byte.</summary>
public sealed class BodyPathTests
{
    private const string Pet = """{"pet":{"name":"Rex","age":7,"tags":["a","b"],"owner":{"id":null}},"items":[{"id":"i0"},{"id":"i1","n":-1.5e3}],"ok":true}""";

    [Theory]
    [InlineData(Pet, "$request.body.pet.name", "Rex")]
    [InlineData(Pet, "$request.body.pet.age", "7")]
    [InlineData(Pet, "$request.body.ok", "true")]
    [InlineData(Pet, "$request.body.pet.owner.id", "null")]
    [InlineData(Pet, "$request.body.pet.tags", """["a","b"]""")]
    [InlineData(Pet, "$request.body.pet.owner", """{"id":null}""")]
    [InlineData(Pet, "$request.body.pet.tags[1]", "b")]
    [InlineData(Pet, "$request.body.items[1].n", "-1.5e3")]
    [InlineData(Pet, "id-${request.body.items[0].id}/${request.body.items[1].id}", "id-i0/i1")]
    [InlineData(Pet, "$request.body.items[0].id/x", "i0/x")]
    [InlineData(Pet, "[$request.body.items[1].id]", "[i1]")]
    [InlineData(Pet, "$request.body.items[2].id", "")]
    [InlineData(Pet, "$request.body.pet.missing", "")]
    [InlineData(Pet, "$request.body.pet.name.first", "")]
    [InlineData(Pet, "$request.body.pet[0]", "")]
    [InlineData(Pet, "$request.body.items.id", "")]
    [InlineData(""" { "a" : [ 1 , { "b" : "x" } ] } """, "$request.body", """{ "a" : [ 1 , { "b" : "x" } ] }""")]
    [InlineData(""" [ "first", "second" ] """, "$request.body[1]", "second")]
    [InlineData("""{"s":"caf\u00e9 \"q\" \\ \/ \ud83d\ude00"}""", "$request.body.s", "café \"q\" \\ / 😀")]
    [InlineData("""{"n\u0061me":"escaped key"}""", "$request.body.name", "escaped key")]
    [InlineData("""{"s":"line\nbreak\ttab"}""", "$request.body.s", "line break tab")]
    [InlineData("""{"a":1,"a":2}""", "$request.body.a", "2")]
    [InlineData("""{"a":{"b":1},"a":{"c":2}}""", "$request.body.a.b", "")]
    [InlineData("""{"a":"x",}""", "$request.body.a", "")]
    [InlineData("""{"a":"x"} trailing""", "$request.body.a", "")]
    [InlineData("""{"a":"x""", "$request.body.a", "")]
    [InlineData("not json", "$request.body.a", "")]
    [InlineData("""["x", 1] tail""", "$request.body[0]", "")]
    [InlineData("""["x", 1, }""", "$request.body[0]", "")]
    [InlineData("""{"a":1} {"a":2}""", "$request.body.a", "")]
    [InlineData("""{"a":1} x""", "$request.body", "")]
    [InlineData("", "$request.body.a", "")]
    [InlineData("""{"a":"x"} """, "$request.body.a", "x")]
    public void Value_IsTheSame_WhereverTheBodyIsCut(string body, string source, string expected)
    {
        var value = Compile(source);
        byte[] data = Encoding.UTF8.GetBytes(body);
        int cases = 0;
        foreach (var sequence in Sequences(data))
        {
            Assert.Equal(expected, Evaluate(value, sequence));
            cases++;
        }

        Assert.True(cases > data.Length);
    }

    [Fact]
    public void ObjectValue_IsItsRawText_AcrossSegments()
    {
        string body = """{"order":{"lines":[{"sku":"a","qty":2},{"sku":"b","qty":1}],"note":"x\u0041"},"z":0}""";
        var value = Compile("$request.body.order");
        foreach (var sequence in Sequences(Encoding.UTF8.GetBytes(body)))
        {
            Assert.Equal("""{"lines":[{"sku":"a","qty":2},{"sku":"b","qty":1}],"note":"x\u0041"}""", Evaluate(value, sequence));
        }
    }

    [Theory]
    [InlineData("""{"a":1,"a":2}""", "a")]
    [InlineData("""{"a":"x","b":0,"a":"y"}""", "a")]
    public void DuplicateMember_IsTheOneSystemTextJsonReturns(string body, string name)
    {
        using var document = System.Text.Json.JsonDocument.Parse(body);
        var element = document.RootElement.GetProperty(name);
        string expected = element.ValueKind == System.Text.Json.JsonValueKind.String ? element.GetString()! : element.GetRawText();
        Assert.Equal(expected, Evaluate(Compile("$request.body." + name), new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(body))));
    }

    [Fact]
    public void ValueLongerThanTheScratch_DoesNotFit()
    {
        var value = Compile("$request.body.s");
        var body = new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes("{\"s\":\"" + new string('x', 64) + "\"}"));
        var scratch = new byte[32];
        Assert.False(MappingEvaluator.TryEvaluate(value, new MappingInput { Body = body }, default, scratch, out int written));
        Assert.Equal(0, written);
    }

    [Fact]
    public void NoBody_LeavesTheSourceEmpty()
    {
        Assert.Equal("[]", Evaluate(Compile("[$request.body.a]"), default));
    }

    [Theory]
    [InlineData("$request.body.a")]
    [InlineData("${request.body.items[0].id}")]
    [InlineData("$request.body")]
    public void BodySource_MarksTheRoute(string source)
    {
        var model = Valid(Config($$""" "requestParameters": { "overwrite:header.X-Pet": "{{source}}", "append:querystring.q": "1" } """));
        var route = model.RouteList.Single();
        Assert.True(route.MapsRequestBody);
        Assert.True(((HttpIntegrationModel)route.Integration).RequestMapping!.ReadsBody);
    }

    [Fact]
    public void RouteWithoutBodySource_DoesNotBuffer()
    {
        var route = Valid(Config(""" "requestParameters": { "overwrite:header.X": "$request.header.a" } """)).RouteList.Single();
        Assert.False(route.MapsRequestBody);
    }

    [Theory]
    [InlineData("$request.body..name", "recursive descent")]
    [InlineData("$request.body.items[*].id", "array index")]
    [InlineData("${request.body.items[?(@.id)]}", "array index")]
    [InlineData("$request.body.items[-1]", "array index")]
    [InlineData("${request.body.a.*}", "member name")]
    [InlineData("${request.body['a']}", "array index")]
    [InlineData("${request.bodyx}", "unknown source")]
    public void UnsupportedPath_IsRefused(string source, string message)
    {
        Assert.Null(MappingValue.Compile(source, MappingValue.Side.Request, [], [], out string error));
        Assert.Contains(message, error);
    }

    [Theory]
    [InlineData("$request.body..name")]
    [InlineData("${request.body.items[x]}")]
    public void UnsupportedPath_IsReported_AtItsKey(string source)
    {
        var paths = ErrorPaths(Config($$""" "requestParameters": { "overwrite:header.X-Pet": "{{source}}" } """));
        Assert.Equal(["apis[0].routes[0].integration.requestParameters.overwrite:header.X-Pet"], paths);
    }

    [Fact]
    public void ResponseBody_IsStillRefused()
    {
        var paths = ErrorPaths(Config(""" "responseParameters": { "200": { "overwrite:header.X": "$response.body.a" } } """));
        Assert.Equal(["apis[0].routes[0].integration.responseParameters.200.overwrite:header.X"], paths);
    }

    private static string Config(string integrationExtra) => $$"""
        { "clusters": [ { "name": "up", "destinations": ["127.0.0.1:9"] } ],
          "apis": [ { "name": "a", "stages": [ { "name": "s" } ],
            "routes": [ { "key": "POST /x", "integration": { "type": "http", "cluster": "up", {{integrationExtra}} } } ] } ] }
        """;

    private static MappingValue Compile(string source)
    {
        var value = MappingValue.Compile(source, MappingValue.Side.Request, [], [], out string error);
        Assert.True(value is not null, error);
        return value!;
    }

    private static string Evaluate(MappingValue value, ReadOnlySequence<byte> body)
    {
        var scratch = new byte[MappingEvaluator.MaxValueBytes];
        Assert.True(MappingEvaluator.TryEvaluate(value, new MappingInput { Body = body }, default, scratch, out int written));
        return Encoding.UTF8.GetString(scratch, 0, written);
    }

    /// <summary>Contiguous, then a segment boundary at every byte, every pair of boundaries (short bodies) and one byte per segment.</summary>
    private static IEnumerable<ReadOnlySequence<byte>> Sequences(byte[] data)
    {
        yield return new ReadOnlySequence<byte>(data);
        for (int i = 0; i <= data.Length; i++)
        {
            yield return Split(data, [i]);
        }

        if (data.Length <= 64)
        {
            for (int i = 1; i < data.Length; i++)
            {
                for (int j = i + 1; j < data.Length; j++)
                {
                    yield return Split(data, [i, j]);
                }
            }
        }

        var every = new int[Math.Max(0, data.Length - 1)];
        for (int i = 0; i < every.Length; i++)
        {
            every[i] = i + 1;
        }

        yield return Split(data, every);
    }

    private static ReadOnlySequence<byte> Split(byte[] data, int[] cuts)
    {
        var starts = new List<int> { 0 };
        foreach (int cut in cuts)
        {
            if (cut > starts[^1] && cut < data.Length)
            {
                starts.Add(cut);
            }
        }

        Segment? first = null;
        Segment? last = null;
        for (int i = 0; i < starts.Count; i++)
        {
            int end = i + 1 < starts.Count ? starts[i + 1] : data.Length;
            var segment = new Segment(data.AsSpan(starts[i], end - starts[i]).ToArray());
            if (last is null)
            {
                first = segment;
            }
            else
            {
                last.Append(segment);
            }

            last = segment;
        }

        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] data) => Memory = data;

        public void Append(Segment next)
        {
            next.RunningIndex = RunningIndex + Memory.Length;
            Next = next;
        }
    }
}
