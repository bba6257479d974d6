using System.Buffers;
using System.Text;
using EdgeGw.Core.ParameterMapping;
using EdgeGw.Core.RequestValidation;
using EdgeGw.Core.Routing;
using static EdgeGw.Core.Tests.Configuration.ConfigFixture;

namespace EdgeGw.Core.Tests.RequestValidation;

public sealed class RequestValidationConfigTests
{
    private const string NewPet = """
        "NewPet": { "$schema": "http://json-schema.org/draft-04/schema#", "type": "object", "required": ["type", "price"],
                    "properties": { "type": { "type": "string", "enum": ["dog", "cat", "fish"] }, "price": { "type": "number", "minimum": 25, "maximum": 500 } } }
        """;

    private static string Config(string validator, string models = NewPet, string key = "POST /pets/{id}") => $$"""
        { "clusters": [ { "name": "up", "destinations": ["127.0.0.1:9"] } ],
          "apis": [ { "name": "a", "models": { {{models}} }, "stages": [ { "name": "s" } ],
            "routes": [ { "key": "{{key}}", "requestValidator": {{validator}}, "integration": { "type": "http", "cluster": "up" } } ] } ] }
        """;

    private static RequestValidatorPolicy Policy(string validator, string models = NewPet) =>
        Valid(Config(validator, models)).RouteList.Single().RequestValidator!;

    private static bool Body(RequestValidatorPolicy policy, string json) => policy.Body!.IsValid(new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(json)));

    [Fact]
    public void ModelWrittenAsAnObject_ValidatesAsDraft4()
    {
        var policy = Policy("""{ "body": "NewPet" }""");
        Assert.Equal(SchemaDialect.Draft4, policy.Body!.Dialect);
        Assert.True(Body(policy, """{"type":"dog","price":249.99}"""));
        Assert.False(Body(policy, """{"type":"dog"}"""));
        Assert.False(Body(policy, """{"type":"bird","price":30}"""));
        Assert.False(Body(policy, """{"type":"dog","price":20}"""));
        Assert.False(Body(policy, """{"type":"dog","price":"30"}"""));
        Assert.False(Body(policy, """{"type":"dog","price":30"""));
        Assert.False(Body(policy, ""));
    }

    [Fact]
    public void ModelWrittenAsAString_KeepsItsExactTypes()
    {
        var policy = Policy("""{ "body": "Codes" }""", """ "Codes": "{\"type\":\"array\",\"items\":{\"enum\":[\"1\",\"2\"]},\"uniqueItems\":true}" """);
        Assert.Equal(SchemaDialect.Draft202012, policy.Body!.Dialect);
        Assert.True(Body(policy, """["1","2"]"""));
        Assert.False(Body(policy, """[1]"""));
        Assert.False(Body(policy, """["1","1"]"""));
    }

    [Fact]
    public void RequiredParameters_AreMissingWhenAbsentOrEmpty_InAwssOrder()
    {
        var policy = Policy("""{ "parameters": ["querystring.limit", "header.X-Tenant", "path.id"] }""");
        byte[] head = "POST /s/pets/1?limit=&x=1 HTTP/1.1\r\nX-Tenant: \r\n"u8.ToArray();
        var input = new MappingInput
        {
            Head = head,
            Headers = [new Protocols.Http1.HeaderEntry { NameOffset = 37, NameLength = 8, ValueOffset = 47, ValueLength = 0 }],
            Path = head.AsSpan(5, 9),
            Query = head.AsSpan(14, 11),
            Captures = [new PathCapture(8, 1)],
        };
        ulong missing = policy.FindMissing(input);
        Assert.Equal(0b011UL, missing);
        Assert.Equal("Missing required request parameters: [limit, X-Tenant]", Encoding.UTF8.GetString(policy.MissingMessage(missing)));

        byte[] full = "POST /s/pets/1?limit=5 HTTP/1.1\r\nx-tenant: acme\r\n"u8.ToArray();
        var present = new MappingInput
        {
            Head = full,
            Headers = [new Protocols.Http1.HeaderEntry { NameOffset = 33, NameLength = 8, ValueOffset = 43, ValueLength = 4 }],
            Path = full.AsSpan(5, 9),
            Query = full.AsSpan(14, 8),
            Captures = [new PathCapture(8, 1)],
        };
        Assert.Equal(0UL, policy.FindMissing(present));
    }

    [Theory]
    [InlineData("""{ "body": "Nope" }""", "apis[0].routes[0].requestValidator.body")]
    [InlineData("""{ "parameters": ["cookie.x"] }""", "apis[0].routes[0].requestValidator.parameters[0]")]
    [InlineData("""{ "parameters": ["querystring.a", "path.missing"] }""", "apis[0].routes[0].requestValidator.parameters[1]")]
    [InlineData("""{ "body": "NewPet", "extra": 1 }""", "apis[0].routes[0].requestValidator.extra")]
    public void ValidatorMisconfiguration_IsReportedAtItsPath(string validator, string path)
    {
        Assert.Contains(path, ErrorPaths(Config(validator)));
    }

    [Theory]
    [InlineData(""" "Bad": { "type": "thing" } """)]
    [InlineData(""" "Bad": { "minLength": -1 } """)]
    [InlineData(""" "Bad": { "pattern": "(" } """)]
    [InlineData(""" "Bad": { "$ref": "http://example.com/remote.json" } """)]
    [InlineData(""" "Bad": { "unevaluatedProperties": false } """)]
    [InlineData(""" "Bad": "{ not json" """)]
    public void BadModel_IsReportedAtItsName(string model)
    {
        Assert.Contains("apis[0].models.Bad", ErrorPaths(Config("""{ "parameters": ["querystring.a"] }""", NewPet + "," + model)));
    }

    [Fact]
    public void LocalRefs_AndRecursion_Resolve()
    {
        var policy = Policy("""{ "body": "Tree" }""", """ "Tree": "{\"$defs\":{\"node\":{\"type\":\"object\",\"properties\":{\"children\":{\"type\":\"array\",\"items\":{\"$ref\":\"#/$defs/node\"}}},\"additionalProperties\":false}},\"$ref\":\"#/$defs/node\"}" """);
        Assert.True(Body(policy, """{"children":[{"children":[]},{}]}"""));
        Assert.False(Body(policy, """{"children":[{"children":[{"x":1}]}]}"""));
    }
}
