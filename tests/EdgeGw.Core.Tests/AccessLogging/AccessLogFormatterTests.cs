using System.Text;
using System.Text.Json;
using EdgeGw.Core.AccessLogging;
using EdgeGw.Core.Model;
using EdgeGw.Core.Observability;
using EdgeGw.Core.UsagePlans;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Core.Tests.AccessLogging;

public sealed class AccessLogFormatterTests
{
    private const long Frequency = 1_000_000;
    // 2024-03-05T07:08:09.123Z
    private const long UnixMs = 1709622489123;

    private static readonly RouteModel Route = new()
    {
        ApiName = "shop",
        StageName = "prod",
        RouteKey = "GET /pets/{id}",
        ParameterNames = ["id"],
        MaxBodyBytes = 0,
        Integration = new MockIntegrationModel { StatusCode = 200, Headers = [], Body = [] },
    };

    private static AccessLogTemplate Template(string format)
    {
        var errors = new List<string>();
        var template = AccessLogTemplate.Compile(format, errors);
        Assert.Empty(errors);
        return template!;
    }

    private static RequestRecord Record(string path = "/prod/pets/7", string userAgent = "curl/8.0", string host = "api.example.com")
    {
        var record = default(RequestRecord);
        record.Begin(timestamp: 5_000_000, Frequency, UnixMs, new byte[RequestRecord.TextCapacity]);
        record.Method = HttpMethod.Get;
        record.Version = HttpVersion.Http11;
        record.RequestId = record.Copy("req-1"u8, RequestRecord.MaxIdBytes);
        record.SourceIp = record.Copy("10.0.0.9"u8, RequestRecord.MaxIdBytes);
        record.MethodToken = record.Copy("GET"u8, RequestRecord.MaxMethodBytes);
        record.Path = record.Copy(Encoding.UTF8.GetBytes(path), RequestRecord.MaxPathBytes);
        record.UserAgent = record.Copy(Encoding.Latin1.GetBytes(userAgent), RequestRecord.MaxUserAgentBytes);
        record.Host = record.Copy(Encoding.UTF8.GetBytes(host), RequestRecord.MaxHostBytes);
        record.Route = Route;
        record.Status = 200;
        record.ResponseLength = 42;
        record.IntegrationStartTimestamp = 5_001_000;
        record.IntegrationEndTimestamp = 5_004_000;
        record.IntegrationStatus = 201;
        record.EndTimestamp = 5_007_500;
        return record;
    }

    private static string Format(string format, in RequestRecord record)
    {
        var buffer = new byte[16 * 1024];
        Assert.True(AccessLogFormatter.TryFormat(Template(format), in record, buffer, out int written));
        Assert.Equal((byte)'\n', buffer[written - 1]);
        return Encoding.UTF8.GetString(buffer, 0, written - 1);
    }

    private static string Format(string format, Func<RequestRecord, RequestRecord> change) => Format(format, change(Record()));

    [Theory]
    [InlineData("requestId", "req-1")]
    [InlineData("extendedRequestId", "req-1")]
    [InlineData("identity.sourceIp", "10.0.0.9")]
    [InlineData("identity.userAgent", "curl/8.0")]
    [InlineData("requestTime", "05/Mar/2024:07:08:09 +0000")]
    [InlineData("requestTimeEpoch", "1709622489123")]
    [InlineData("httpMethod", "GET")]
    [InlineData("path", "/prod/pets/7")]
    [InlineData("protocol", "HTTP/1.1")]
    [InlineData("routeKey", "GET /pets/{id}")]
    [InlineData("stage", "prod")]
    [InlineData("apiId", "shop")]
    [InlineData("domainName", "api.example.com")]
    [InlineData("domainPrefix", "api")]
    [InlineData("status", "200")]
    [InlineData("responseLength", "42")]
    [InlineData("responseLatency", "7")]
    [InlineData("integrationLatency", "3")]
    [InlineData("integration.latency", "3")]
    [InlineData("integrationStatus", "201")]
    [InlineData("integration.integrationStatus", "201")]
    [InlineData("integration.status", "201")]
    [InlineData("integration.error", "-")]
    [InlineData("integrationErrorMessage", "-")]
    [InlineData("error.message", "-")]
    [InlineData("error.messageString", "-")]
    [InlineData("error.responseType", "-")]
    [InlineData("identity.apiKeyId", "-")]
    [InlineData("identity.userArn", "-")]
    [InlineData("identity.accessKey", "-")]
    [InlineData("identity.caller", "-")]
    [InlineData("edgegw.cache", "-")]
    [InlineData("edgegw.throttle", "-")]
    [InlineData("traceId", "-")]
    [InlineData("isCanaryRequest", "-")]
    [InlineData("deploymentId", "-")]
    [InlineData("authorizer.claims.sub", "-")]
    [InlineData("customDomain.basePathMatched", "-")]
    [InlineData("identity.clientCert.clientCertPem", "-")]
    [InlineData("identity.clientCert.subjectDN", "-")]
    [InlineData("identity.clientCert.issuerDN", "-")]
    [InlineData("identity.clientCert.serialNumber", "-")]
    [InlineData("identity.clientCert.validity.notBefore", "-")]
    [InlineData("identity.clientCert.validity.notAfter", "-")]
    [InlineData("accountId", "-")]
    public void EveryVariable_HasItsValue_OrADash(string name, string expected)
    {
        Assert.Equal($"{expected} req-1", Format($"$context.{name} $context.requestId", Record()));
    }

    [Fact]
    public void NamedVariables_AreAllCovered()
    {
        // Every variable with a value is one of the names the theory above checks (a new one needs a case there).
        var tested = typeof(AccessLogFormatterTests).GetMethod(nameof(EveryVariable_HasItsValue_OrADash))!
            .GetCustomAttributes(typeof(InlineDataAttribute), false).Cast<InlineDataAttribute>()
            .Select(a => (string)a.GetData(null!).First()[0]).ToHashSet();
        foreach (var (name, _) in AccessLogVariables.Named)
        {
            Assert.Contains(name, tested);
        }
    }

    [Fact]
    public void CanaryStage_TellsCanaryFromDeployment_AndNamesTheDeployment()
    {
        var canaryRoute = new RouteModel { ApiName = "shop", StageName = "prod", RouteKey = "GET /pets/{id}", ParameterNames = ["id"], MaxBodyBytes = 0, Integration = Route.Integration, IsCanary = true, DeploymentId = 7 };
        var primaryRoute = new RouteModel { ApiName = "shop", StageName = "prod", RouteKey = "GET /pets/{id}", ParameterNames = ["id"], MaxBodyBytes = 0, Integration = Route.Integration, DeploymentId = 3, Canary = new Core.Deployments.CanaryPolicy(7, 10) };

        string canary = Format("$context.isCanaryRequest $context.deploymentId $context.requestId", r => { r.Route = canaryRoute; return r; });
        string primary = Format("$context.isCanaryRequest $context.deploymentId $context.requestId", r => { r.Route = primaryRoute; return r; });

        Assert.Equal("true 7 req-1", canary);
        Assert.Equal("false 3 req-1", primary);
    }

    [Fact]
    public void GatewayAnswer_FillsErrorVariables()
    {
        string line = Format("$context.status|$context.error.responseType|$context.error.message|$context.error.messageString|$context.requestId", r =>
        {
            r.GatewayAnswer(429, GatewayErrorType.QuotaExceeded, "Limit Exceeded"u8.ToArray(), 28);
            return r;
        });

        Assert.Equal("429|QUOTA_EXCEEDED|Limit Exceeded|\"Limit Exceeded\"|req-1", line);
    }

    [Fact]
    public void IntegrationError_CacheThrottleAndKey_AreWritten()
    {
        string line = Format("$context.integrationErrorMessage|$context.edgegw.cache|$context.edgegw.throttle|$context.identity.apiKeyId|$context.requestId", r =>
        {
            r.IntegrationErrorMessage = "connect timed out"u8.ToArray();
            r.Cache = CacheResult.Hit;
            r.AccessChecked = true;
            r.Access = AccessOutcome.Throttled;
            r.ApiKeyId = "key-1"u8.ToArray();
            return r;
        });

        Assert.Equal("connect timed out|hit|throttled|key-1|req-1", line);
    }

    [Fact]
    public void IamIdentity_FillsIdentityVariables()
    {
        var settings = new EdgeGw.Core.Iam.IamSettings("us-east-1", "execute-api", [("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "arn:aws:iam::123456789012:user/ci")]);
        string line = Format("$context.identity.userArn|$context.identity.accessKey|$context.identity.caller|$context.requestId", r =>
        {
            r.Identity = settings.Find("AKIAIOSFODNN7EXAMPLE"u8);
            return r;
        });

        Assert.Equal("arn:aws:iam::123456789012:user/ci|AKIAIOSFODNN7EXAMPLE|arn:aws:iam::123456789012:user/ci|req-1", line);
    }

    [Fact]
    public void MissingTimesAndStatus_AreDashes()
    {
        string line = Format("$context.status $context.responseLength $context.integrationLatency $context.integrationStatus $context.responseLatency $context.requestId", r =>
        {
            r.Status = 0;
            r.ResponseLength = -1;
            r.IntegrationStartTimestamp = 0;
            r.IntegrationStatus = 0;
            r.EndTimestamp = 0;
            return r;
        });

        Assert.Equal("- - - - - req-1", line);
    }

    [Theory]
    [InlineData("clf", "10.0.0.9 - - [05/Mar/2024:07:08:09 +0000] \"GET /prod/pets/7 HTTP/1.1\" 200 42 req-1")]
    [InlineData("csv", "10.0.0.9,05/Mar/2024:07:08:09 +0000,GET,GET /pets/{id},HTTP/1.1,200,42,req-1")]
    public void TextPresets_AreAwsConsolePresets(string preset, string expected)
    {
        Assert.Equal(expected, Format(preset, Record()));
    }

    [Fact]
    public void JsonPreset_IsOneJsonObjectWithTheFields()
    {
        using var json = JsonDocument.Parse(Format("json", Record()));
        var root = json.RootElement;
        Assert.Equal("req-1", root.GetProperty("requestId").GetString());
        Assert.Equal("10.0.0.9", root.GetProperty("ip").GetString());
        Assert.Equal("GET /pets/{id}", root.GetProperty("routeKey").GetString());
        Assert.Equal("200", root.GetProperty("status").GetString());
        Assert.Equal("7", root.GetProperty("responseLatency").GetString());
        Assert.Equal("3", root.GetProperty("integrationLatency").GetString());
        Assert.Equal("-", root.GetProperty("errorType").GetString());
    }

    public static TheoryData<string> Injections => new()
    {
        "a\r\nb",
        "a\nb\"c\\d",
        "\"}, {\"status\":\"200",
        "tab\there",
        "nul\0del\u007f",
        "esc\u001b[31mred",
        "\u0085c1 next line",
        "\u2028 line separator is valid UTF-8",
        "héllo wörld",
    };

    [Theory]
    [MemberData(nameof(Injections))]
    public void JsonTemplate_HeaderAndPathValues_StayInsideTheirStrings(string hostile)
    {
        var record = Record(path: "/p/" + hostile, userAgent: hostile);
        record.UserAgent = record.Copy(Encoding.UTF8.GetBytes(hostile), RequestRecord.MaxUserAgentBytes);
        string line = Format("""{"ua":"$context.identity.userAgent","path":"$context.path","id":"$context.requestId"}""", record);

        Assert.DoesNotContain('\n', line);
        Assert.DoesNotContain('\r', line);
        Assert.False(line.Any(c => char.IsControl(c)), line);
        using var json = JsonDocument.Parse(line);
        Assert.Equal(3, json.RootElement.EnumerateObject().Count());
        string ua = json.RootElement.GetProperty("ua").GetString()!;
        Assert.Equal(hostile, ua);
        Assert.Equal("/p/" + hostile, json.RootElement.GetProperty("path").GetString());
    }

    [Theory]
    [MemberData(nameof(Injections))]
    public void TextTemplate_ControlCharactersQuotesAndBackslashes_AreEscaped(string hostile)
    {
        var record = Record();
        record.UserAgent = record.Copy(Encoding.UTF8.GetBytes(hostile), RequestRecord.MaxUserAgentBytes);
        string line = Format("\"$context.identity.userAgent\" $context.requestId", record);

        Assert.False(line.Any(c => char.IsControl(c)), line);
        // Exactly two unescaped quotes: the template's.
        int quotes = 0;
        for (int i = 0; i < line.Length; i++)
        {
            if (line[i] == '\\')
            {
                i++;
            }
            else if (line[i] == '"')
            {
                quotes++;
            }
        }

        Assert.Equal(2, quotes);
    }

    [Fact]
    public void InvalidUtf8_IsReplacedInJson_AndHexEscapedInText()
    {
        var record = Record();
        record.UserAgent = record.Copy([(byte)'a', 0xC3, (byte)'b', 0xFF, 0xE2, 0x82], RequestRecord.MaxUserAgentBytes);

        using var json = JsonDocument.Parse(Format("""{"ua":"$context.identity.userAgent","id":"$context.requestId"}""", record));
        Assert.Equal("a\uFFFDb\uFFFD\uFFFD", json.RootElement.GetProperty("ua").GetString());
        Assert.Equal("a\\xc3b\\xff\\xe2\\x82 req-1", Format("$context.identity.userAgent $context.requestId", record));
    }

    [Fact]
    public void Text_EscapesAreApacheStyle()
    {
        var record = Record();
        record.UserAgent = record.Copy("q\"b\\c\td\n"u8, RequestRecord.MaxUserAgentBytes);

        Assert.Equal("q\\\"b\\\\c\\x09d\\x0a req-1", Format("$context.identity.userAgent $context.requestId", record));
    }

    [Fact]
    public void LongValues_AreTruncatedToTheirCaps()
    {
        var record = Record(path: "/" + new string('p', 5000), userAgent: new string('u', 5000));

        Assert.Equal(RequestRecord.MaxPathBytes, record.Path.Length);
        Assert.Equal(RequestRecord.MaxUserAgentBytes, record.UserAgent.Length);
    }

    [Fact]
    public void TraceId_Is32HexDigits_WhenTraced_ElseADash()
    {
        Assert.Equal("- req-1", Format("$context.traceId $context.requestId", Record()));
        var traced = Record();
        traced.Trace.Active = true;
        traced.Trace.TraceIdHigh = 0x4bf92f3577b34da6UL;
        traced.Trace.TraceIdLow = 0xa3ce929d0e0e4736UL;

        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736 req-1", Format("$context.traceId $context.requestId", traced));
    }

    [Fact]
    public void TooSmallADestination_IsFalse()
    {
        var record = Record();
        Assert.False(AccessLogFormatter.TryFormat(Template("json"), in record, new byte[40], out _));
    }

    [Fact]
    public void Format_AllocatesNothing()
    {
        var record = Record(userAgent: "ua with \"quotes\" and é");
        var template = Template("json");
        var clf = Template("clf");
        var buffer = new byte[4096];
        AccessLogFormatter.TryFormat(template, in record, buffer, out _);
        AccessLogFormatter.TryFormat(clf, in record, buffer, out _);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            AccessLogFormatter.TryFormat(template, in record, buffer, out _);
            AccessLogFormatter.TryFormat(clf, in record, buffer, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
