using System.Text;
using System.Text.Json;
using EdgeGw.Core.AccessLogging;
using EdgeGw.Core.GatewayResponses;
using EdgeGw.Core.Observability;
using static EdgeGw.Core.Tests.Configuration.ConfigFixture;

namespace EdgeGw.Core.Tests.GatewayResponses;

public sealed class GatewayResponseSetTests
{
    private static GatewayResponseSet Set(string responses)
    {
        var model = Valid($$"""{ "apis": [ { "name": "a", "gatewayResponses": {{responses}}, "stages": [ { "name": "s" } ], "routes": [ { "key": "GET /x", "integration": { "type": "mock" } } ] } ] }""");
        return model.RouteList.Single().GatewayResponses!;
    }

    /// <summary>Every type an EdgeGw step answers with (today's and the authorizers'), with the status it sends.</summary>
    public static TheoryData<GatewayErrorType, int> AnswerTypes() => new()
    {
        { GatewayErrorType.ResourceNotFound, 404 },
        { GatewayErrorType.RequestTooLarge, 413 },
        { GatewayErrorType.InvalidApiKey, 403 },
        { GatewayErrorType.Throttled, 429 },
        { GatewayErrorType.QuotaExceeded, 429 },
        { GatewayErrorType.IntegrationFailure, 502 },
        { GatewayErrorType.IntegrationTimeout, 504 },
        { GatewayErrorType.BadRequestBody, 400 },
        { GatewayErrorType.BadRequestParameters, 400 },
        { GatewayErrorType.Unauthorized, 401 },
        { GatewayErrorType.AccessDenied, 403 },
        { GatewayErrorType.MissingAuthenticationToken, 403 },
        { GatewayErrorType.MissingAuthenticationTokenIam, 403 },
        { GatewayErrorType.AuthorizerFailure, 500 },
        { GatewayErrorType.AuthorizerConfigurationError, 500 },
        { GatewayErrorType.InvalidSignature, 403 },
        { GatewayErrorType.ExpiredToken, 403 },
        { GatewayErrorType.Default4xx, 408 },
        { GatewayErrorType.Default5xx, 503 },
    };

    [Theory]
    [MemberData(nameof(AnswerTypes))]
    public void SpecificType_WinsOverTheDefaults(GatewayErrorType type, int status)
    {
        string name = Encoding.ASCII.GetString(GatewayErrorTypes.Name(type));
        string defaults = string.Join("", new[] { "DEFAULT_4XX", "DEFAULT_5XX" }.Where(d => d != name).Select(d => $$""", "{{d}}": { "body": "default" }"""));
        var set = Set($$"""{ "{{name}}": { "body": "specific" }{{defaults}} }""");
        Assert.Equal(name, set.Find(type, status)!.TypeName);
    }

    [Theory]
    [MemberData(nameof(AnswerTypes))]
    public void WithoutItsType_TheDefaultOfItsStatusClassApplies(GatewayErrorType type, int status)
    {
        var set = Set("""{ "DEFAULT_4XX": { "body": "4xx" }, "DEFAULT_5XX": { "body": "5xx" } }""");
        Assert.Equal(status < 500 ? "DEFAULT_4XX" : "DEFAULT_5XX", set.Find(type, status)!.TypeName);
    }

    [Theory]
    [MemberData(nameof(AnswerTypes))]
    public void WithNeitherTypeNorDefault_TheBuiltInAnswerStays(GatewayErrorType type, int status)
    {
        // Only the other class's default is configured.
        var set = Set(status < 500 ? """{ "DEFAULT_5XX": { "body": "5xx" } }""" : """{ "DEFAULT_4XX": { "body": "4xx" } }""");
        Assert.Null(set.Find(type, status));
    }

    [Fact]
    public void StatusHeadersAndContentType_AreCompiled()
    {
        var set = Set("""{ "THROTTLED": { "statusCode": 503, "headers": { "Retry-After": "7", "X-Why": "slow down" } }, "UNAUTHORIZED": { "headers": { "Content-Type": "text/plain" }, "body": "no" } }""");
        var throttled = set.Find(GatewayErrorType.Throttled, 429)!;
        Assert.Equal(503, throttled.StatusCode);
        Assert.False(throttled.HasBody);
        Assert.Equal("Content-Type: application/json\r\nRetry-After: 7\r\nX-Why: slow down\r\n", Encoding.ASCII.GetString(throttled.Headers));
        var unauthorized = set.Find(GatewayErrorType.Unauthorized, 401)!;
        Assert.Equal(0, unauthorized.StatusCode);
        Assert.Equal("Content-Type: text/plain\r\n", Encoding.ASCII.GetString(unauthorized.Headers));
    }

    [Fact]
    public void TypeNames_AreCaseInsensitive_AsEveryConfigKey() =>
        Assert.Equal("throttled", Set("""{ "throttled": { "body": "x" } }""").Find(GatewayErrorType.Throttled, 429)!.TypeName);

    [Fact]
    public void MissingAuthenticationToken_CoversTheIamVariant() =>
        Assert.Equal("MISSING_AUTHENTICATION_TOKEN", Set("""{ "MISSING_AUTHENTICATION_TOKEN": { "body": "x" } }""").Find(GatewayErrorType.MissingAuthenticationTokenIam, 403)!.TypeName);

    [Fact]
    public void JsonBody_ValuesAreJsonEscaped()
    {
        var set = Set("""{ "DEFAULT_4XX": { "body": "{\"message\":\"$context.error.message\",\"path\":\"$context.path\",\"id\":\"$context.requestId\",\"type\":\"$context.error.responseType\"}" } }""");
        var definition = set.Find(GatewayErrorType.ResourceNotFound, 404)!;
        var record = default(RequestRecord);
        record.Begin(1, 1_000_000, 1, new byte[RequestRecord.TextCapacity]);
        string path = "/a\"b\\c\n\u0001\u00e9";
        record.Path = record.Copy(Encoding.UTF8.GetBytes(path), RequestRecord.MaxPathBytes);
        record.RequestId = record.Copy("req-1"u8, RequestRecord.MaxIdBytes);
        record.GatewayAnswer(404, GatewayErrorType.ResourceNotFound, "Not Found"u8.ToArray(), 0);
        var buffer = new byte[1024];

        Assert.True(AccessLogFormatter.TryFormatParts(definition.Body.AsSpan(), in record, buffer, out int written));

        using var json = JsonDocument.Parse(buffer.AsMemory(0, written));
        Assert.Equal("Not Found", json.RootElement.GetProperty("message").GetString());
        Assert.Equal(path, json.RootElement.GetProperty("path").GetString());
        Assert.Equal("req-1", json.RootElement.GetProperty("id").GetString());
        Assert.Equal("RESOURCE_NOT_FOUND", json.RootElement.GetProperty("type").GetString());
    }

    [Fact]
    public void TextBody_ValuesAreEscapedAsText()
    {
        var set = Set("""{ "DEFAULT_4XX": { "headers": { "Content-Type": "text/plain" }, "body": "denied $context.path." } }""");
        var record = default(RequestRecord);
        record.Begin(1, 1_000_000, 1, new byte[RequestRecord.TextCapacity]);
        record.Path = record.Copy("/x\r\ny"u8, RequestRecord.MaxPathBytes);
        var buffer = new byte[256];

        Assert.True(AccessLogFormatter.TryFormatParts(set.Find(GatewayErrorType.Default4xx, 400)!.Body.AsSpan(), in record, buffer, out int written));

        Assert.Equal("denied /x\\x0d\\x0ay.", Encoding.ASCII.GetString(buffer, 0, written));
    }

    [Fact]
    public void EveryGatewayResponseError_IsReportedWithItsPath()
    {
        var result = Load("""
            { "apis": [ { "name": "a", "stages": [ { "name": "s" } ], "routes": [ { "key": "GET /x", "integration": { "type": "mock" } } ],
              "gatewayResponses": {
                "NOT_A_TYPE": { "body": "x" },
                "DEFAULT_4XX": { "statusCode": 418 },
                "THROTTLED": { "statusCode": 204, "headers": { "Content-Length": "3", "bad name": "x", "X-Ok": "line\nbreak" }, "body": "$context.nope", "extra": 1 },
                "WAF_FILTERED": { "body": "never sent" } } } ] }
            """);
        Assert.Null(result.Model);
        Assert.Equal(
            new[]
            {
                "apis[0].gatewayResponses.NOT_A_TYPE", "apis[0].gatewayResponses.DEFAULT_4XX.statusCode",
                "apis[0].gatewayResponses.THROTTLED.statusCode", "apis[0].gatewayResponses.THROTTLED.headers.Content-Length",
                "apis[0].gatewayResponses.THROTTLED.headers.bad name", "apis[0].gatewayResponses.THROTTLED.headers.X-Ok",
                "apis[0].gatewayResponses.THROTTLED.body", "apis[0].gatewayResponses.THROTTLED.extra",
            }.Order(),
            result.Errors.Select(e => e.Path).Order());
        Assert.Contains(result.Warnings, w => w.Path == "apis[0].gatewayResponses.WAF_FILTERED");
    }
}
