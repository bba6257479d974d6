using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Lambda;

/// <summary>
/// Lambda proxy integrations through the real gateway against an Invoke-API endpoint the test starts, running a
/// JavaScript handler written for AWS (<c>node/handler.js</c>): the 2.0 and 1.0 events checked field by field
/// against fixtures in the shape of AWS's documented example events, text and binary bodies both ways, the
/// answer's status/headers/multi-value headers/cookies, 2.0's inferred answers, malformed answers, function
/// errors and timeouts, and invokes over pooled keep-alive connections.
/// </summary>
public sealed class LambdaIntegrationTests : IAsyncLifetime
{
    private InvokeShim _shim = null!;
    private TestGateway _gateway = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        if (InvokeShim.MissingMessage is not null)
        {
            return;
        }

        _shim = await InvokeShim.StartAsync();
        _gateway = await TestGateway.StartAsync($$"""
            {
              "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 2 },
              "apis": [
                { "name": "pets",
                  "stages": [ { "name": "prod", "variables": { "version": "v1", "table": "pets-prod" } } ],
                  "routes": [
                    { "key": "GET /v2/pets/{id}/echo", "integration": { "type": "lambda", "function": "{{_shim.Url}}" } },
                    { "key": "ANY /v2/{proxy+}", "integration": { "type": "lambda", "function": "{{_shim.Url}}", "payloadFormatVersion": "2.0" } },
                    { "key": "ANY /v1/{proxy+}", "integration": { "type": "lambda", "function": "{{_shim.Url}}", "payloadFormatVersion": "1.0" } },
                    { "key": "GET /arn/echo", "integration": { "type": "lambda", "function": "arn:aws:lambda:eu-west-1:123456789012:function:pets:live", "endpoint": "{{_shim.Url}}" } },
                    { "key": "GET /timeout/slow", "integration": { "type": "lambda", "function": "{{_shim.Url}}", "timeoutMs": 300 } }
                  ] } ]
            }
            """);
        _client = _gateway.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client?.Dispose();
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        if (_shim is not null)
        {
            await _shim.DisposeAsync();
        }
    }

    [NodeLambdaFact]
    public async Task V2_Get_EventHasAwsExampleShape_FieldByField()
    {
        await using var raw = await _gateway.ConnectRawAsync();
        long before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await raw.SendAsync("GET /prod/v2/pets/42/echo?limit=10&tag=a&tag=b&q=x%20y+z HTTP/1.1\r\nHost: api.example.com\r\nUser-Agent: lambda-test/1.0\r\n"
            + "Cookie: c1=v1; c2=v2\r\nX-Multi: a\r\nx-multi: b\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n");
        var response = await raw.ReadResponseAsync();
        long after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        Assert.Equal(200, response.Status);
        using var document = JsonDocument.Parse(response.Body);
        var e = document.RootElement.GetProperty("event");
        AssertShape(Fixture("v2-event.json"), e, "", optional: ["body", "authorizer"]);

        Assert.Equal("2.0", e.GetProperty("version").GetString());
        Assert.Equal("GET /v2/pets/{id}/echo", e.GetProperty("routeKey").GetString());
        Assert.Equal("/prod/v2/pets/42/echo", e.GetProperty("rawPath").GetString());
        Assert.Equal("limit=10&tag=a&tag=b&q=x%20y+z", e.GetProperty("rawQueryString").GetString());
        Assert.Equal(["c1=v1", "c2=v2"], e.GetProperty("cookies").EnumerateArray().Select(c => c.GetString()));
        var headers = e.GetProperty("headers");
        Assert.Equal("a,b", headers.GetProperty("x-multi").GetString());
        Assert.Equal("api.example.com", headers.GetProperty("host").GetString());
        Assert.Equal("lambda-test/1.0", headers.GetProperty("user-agent").GetString());
        Assert.Equal("203.0.113.9, 127.0.0.1", headers.GetProperty("x-forwarded-for").GetString());
        Assert.Equal("http", headers.GetProperty("x-forwarded-proto").GetString());
        Assert.False(headers.TryGetProperty("cookie", out _), "2.0 moves cookies out of headers");
        Assert.All(headers.EnumerateObject(), h => Assert.Equal(h.Name.ToLowerInvariant(), h.Name));
        var query = e.GetProperty("queryStringParameters");
        Assert.Equal("10", query.GetProperty("limit").GetString());
        Assert.Equal("a,b", query.GetProperty("tag").GetString());
        Assert.Equal("x y z", query.GetProperty("q").GetString());
        Assert.Equal("42", e.GetProperty("pathParameters").GetProperty("id").GetString());
        Assert.Equal("v1", e.GetProperty("stageVariables").GetProperty("version").GetString());
        Assert.Equal("pets-prod", e.GetProperty("stageVariables").GetProperty("table").GetString());
        Assert.False(e.GetProperty("isBase64Encoded").GetBoolean());
        Assert.False(e.TryGetProperty("body", out _), "a GET has no body");

        var context = e.GetProperty("requestContext");
        Assert.Equal("pets", context.GetProperty("apiId").GetString());
        Assert.Equal("api.example.com", context.GetProperty("domainName").GetString());
        Assert.Equal("api", context.GetProperty("domainPrefix").GetString());
        Assert.Equal("GET /v2/pets/{id}/echo", context.GetProperty("routeKey").GetString());
        Assert.Equal("prod", context.GetProperty("stage").GetString());
        Assert.Equal(response.Header("X-Request-Id"), context.GetProperty("requestId").GetString());
        var http = context.GetProperty("http");
        Assert.Equal("GET", http.GetProperty("method").GetString());
        Assert.Equal("/prod/v2/pets/42/echo", http.GetProperty("path").GetString());
        Assert.Equal("HTTP/1.1", http.GetProperty("protocol").GetString());
        Assert.Equal("127.0.0.1", http.GetProperty("sourceIp").GetString());
        Assert.Equal("lambda-test/1.0", http.GetProperty("userAgent").GetString());
        long epoch = context.GetProperty("timeEpoch").GetInt64();
        Assert.InRange(epoch, before - 1000, after + 1000);
        var time = DateTimeOffset.ParseExact(context.GetProperty("time").GetString()!, "dd/MMM/yyyy:HH:mm:ss zzz", CultureInfo.InvariantCulture);
        Assert.Equal(epoch / 1000, time.ToUnixTimeSeconds());

        // The Runtime Interface Emulator's function name; the Invoke API's path.
        var invoke = document.RootElement.GetProperty("invoke");
        Assert.Equal("function", invoke.GetProperty("name").GetString());
        Assert.Equal("/2015-03-31/functions/function/invocations", invoke.GetProperty("target").GetString());
        Assert.Equal("application/json", invoke.GetProperty("headers").GetProperty("content-type").GetString());
        Assert.False(invoke.GetProperty("headers").TryGetProperty("authorization", out _), "an Invoke-API endpoint is called unsigned");
    }

    [NodeLambdaFact]
    public async Task V1_Get_EventHasAwsExampleShape_FieldByField()
    {
        await using var raw = await _gateway.ConnectRawAsync();
        await raw.SendAsync("GET /prod/v1/things/echo?tag=a&tag=b&one=1 HTTP/1.1\r\nHost: api.example.com\r\nUser-Agent: lambda-test/1.0\r\nX-Multi: a\r\nX-Multi: b\r\nCookie: c1=v1\r\n\r\n");
        var response = await raw.ReadResponseAsync();

        Assert.Equal(200, response.Status);
        using var document = JsonDocument.Parse(response.Body);
        var e = document.RootElement.GetProperty("event");
        AssertShape(Fixture("v1-event.json"), e, "", optional: ["authorizer"]);

        Assert.Equal("1.0", e.GetProperty("version").GetString());
        Assert.Equal("/v1/{proxy+}", e.GetProperty("resource").GetString());
        Assert.Equal("/v1/things/echo", e.GetProperty("path").GetString());
        Assert.Equal("GET", e.GetProperty("httpMethod").GetString());
        // 1.0: headers as sent, the last of repeated ones; every value in multiValueHeaders.
        Assert.Equal("b", e.GetProperty("headers").GetProperty("X-Multi").GetString());
        Assert.Equal("c1=v1", e.GetProperty("headers").GetProperty("Cookie").GetString());
        Assert.Equal(["a", "b"], e.GetProperty("multiValueHeaders").GetProperty("X-Multi").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("b", e.GetProperty("queryStringParameters").GetProperty("tag").GetString());
        Assert.Equal(["a", "b"], e.GetProperty("multiValueQueryStringParameters").GetProperty("tag").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(["1"], e.GetProperty("multiValueQueryStringParameters").GetProperty("one").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("things/echo", e.GetProperty("pathParameters").GetProperty("proxy").GetString());
        Assert.Equal("v1", e.GetProperty("stageVariables").GetProperty("version").GetString());
        Assert.Equal(JsonValueKind.Null, e.GetProperty("body").ValueKind);
        Assert.False(e.GetProperty("isBase64Encoded").GetBoolean());
        var context = e.GetProperty("requestContext");
        Assert.Equal("/prod/v1/things/echo", context.GetProperty("path").GetString());
        Assert.Equal("/v1/{proxy+}", context.GetProperty("resourcePath").GetString());
        Assert.Equal("GET", context.GetProperty("httpMethod").GetString());
        Assert.Equal("prod", context.GetProperty("stage").GetString());
        Assert.Equal("127.0.0.1", context.GetProperty("identity").GetProperty("sourceIp").GetString());
        Assert.Equal("lambda-test/1.0", context.GetProperty("identity").GetProperty("userAgent").GetString());
        Assert.Equal(response.Header("X-Request-Id"), context.GetProperty("requestId").GetString());
    }

    [NodeLambdaFact]
    public async Task V1_NoQueryNoParameters_AreNull_AsAws()
    {
        using var response = await _client.GetAsync("/prod/v1/echo");
        using var document = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
        var e = document.RootElement.GetProperty("event");

        Assert.Equal(JsonValueKind.Null, e.GetProperty("queryStringParameters").ValueKind);
        Assert.Equal(JsonValueKind.Null, e.GetProperty("multiValueQueryStringParameters").ValueKind);
        Assert.Equal("echo", e.GetProperty("pathParameters").GetProperty("proxy").GetString());
    }

    [NodeLambdaFact]
    public async Task V2_JsonBody_GoesAsText()
    {
        using var content = new StringContent("""{"name":"Rex","emoji":"🐕"}""", Encoding.UTF8, "application/json");
        using var response = await _client.PostAsync("/prod/v2/pets/echo", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
        var e = document.RootElement.GetProperty("event");
        Assert.False(e.GetProperty("isBase64Encoded").GetBoolean());
        Assert.Equal("""{"name":"Rex","emoji":"🐕"}""", e.GetProperty("body").GetString());
        Assert.Equal("POST", e.GetProperty("requestContext").GetProperty("http").GetProperty("method").GetString());
        Assert.Equal("pets/echo", e.GetProperty("pathParameters").GetProperty("proxy").GetString());
    }

    [NodeLambdaFact]
    public async Task V2_BinaryBody_GoesBase64_AndABinaryAnswerComesBackAsBytes()
    {
        var bytes = new byte[70_000];
        new Random(22).NextBytes(bytes);
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("image/png");

        using var response = await _client.PostAsync("/prod/v2/upload/binary", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/octet-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(bytes, await response.Content.ReadAsByteArrayAsync());
    }

    [NodeLambdaFact]
    public async Task V2_ChunkedTextBody_IsDechunked_AndTheEventSaysNotBase64()
    {
        await using var raw = await _gateway.ConnectRawAsync();
        await raw.SendAsync("POST /prod/v2/chunks/echo HTTP/1.1\r\nHost: gw\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
        var response = await raw.ReadResponseAsync();

        Assert.Equal(200, response.Status);
        using var document = JsonDocument.Parse(response.Body);
        var e = document.RootElement.GetProperty("event");
        Assert.Equal("hello world", e.GetProperty("body").GetString());
        Assert.False(e.GetProperty("isBase64Encoded").GetBoolean());
    }

    [NodeLambdaFact]
    public async Task V1_FormBody_GoesBase64()
    {
        using var content = new StringContent("a=1&b=2", Encoding.ASCII, "application/x-www-form-urlencoded");
        using var response = await _client.PostAsync("/prod/v1/form/echo", content);

        using var document = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
        var e = document.RootElement.GetProperty("event");
        Assert.True(e.GetProperty("isBase64Encoded").GetBoolean());
        Assert.Equal("a=1&b=2", Encoding.ASCII.GetString(Convert.FromBase64String(e.GetProperty("body").GetString()!)));
    }

    [NodeLambdaFact]
    public async Task Answer_StatusHeadersMultiValueHeadersAndCookies_AreMappedAsAws()
    {
        await using var raw = await _gateway.ConnectRawAsync();
        await raw.SendAsync("GET /prod/v2/answer/full HTTP/1.1\r\nHost: gw\r\n\r\n");
        var response = await raw.ReadResponseAsync();

        Assert.Equal(201, response.Status);
        Assert.Equal("created", response.BodyText);
        Assert.Equal("a", response.Header("x-one"));
        Assert.Equal("text/plain", response.Header("content-type"));
        Assert.Equal(["1", "2"], response.Head.GetAll("x-multi"));
        // A name in both: the multi-value list wins.
        Assert.Equal(["m1", "m2"], response.Head.GetAll("x-both"));
        Assert.Equal(["a=1; Path=/", "b=2"], response.Head.GetAll("Set-Cookie"));
        Assert.Single(response.Head.GetAll("Content-Length"));
    }

    [NodeLambdaFact]
    public async Task V2_AnswerWithoutStatusCode_Is200Json_WithTheAnswerAsBody()
    {
        using var inferred = await _client.GetAsync("/prod/v2/x/inferred");
        using var text = await _client.GetAsync("/prod/v2/x/string");

        Assert.Equal(HttpStatusCode.OK, inferred.StatusCode);
        Assert.Equal("application/json", inferred.Content.Headers.ContentType?.MediaType);
        Assert.Equal("""{"hello":"world","n":1}""", await inferred.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, text.StatusCode);
        Assert.Equal("plain text", await text.Content.ReadAsStringAsync());
    }

    [NodeLambdaFact]
    public async Task MalformedAnswers_Are502InternalServerError_AndTheConnectionStaysUsable()
    {
        foreach (string path in (string[])["/prod/v2/x/malformed", "/prod/v2/x/badstatus", "/prod/v2/x/objectbody", "/prod/v1/x/inferred", "/prod/v1/x/malformed"])
        {
            using var response = await _client.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.BadGateway, path);
            Assert.Equal("""{"message":"Internal server error"}""", await response.Content.ReadAsStringAsync());
        }

        using var after = await _client.GetAsync("/prod/v2/x/string");
        Assert.Equal("plain text", await after.Content.ReadAsStringAsync());
    }

    [NodeLambdaFact]
    public async Task FunctionError_Is502()
    {
        using var response = await _client.GetAsync("/prod/v2/x/throw");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("""{"message":"Internal server error"}""", await response.Content.ReadAsStringAsync());
    }

    [NodeLambdaFact]
    public async Task NoAnswerWithinTimeoutMs_Is504_AndTheNextInvokeWorks()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();
        using var response = await _client.GetAsync("/prod/timeout/slow");
        var elapsed = started.Elapsed;

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("""{"message":"Endpoint request timed out"}""", await response.Content.ReadAsStringAsync());
        Assert.InRange(elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10));
        using var next = await _client.GetAsync("/prod/v2/x/string");
        Assert.Equal("plain text", await next.Content.ReadAsStringAsync());
    }

    [NodeLambdaFact]
    public async Task ArnWithEndpoint_InvokesTheFunctionByNameAndQualifier()
    {
        using var response = await _client.GetAsync("/prod/arn/echo");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
        var invoke = document.RootElement.GetProperty("invoke");
        Assert.Equal("pets:live", invoke.GetProperty("name").GetString());
        Assert.Equal("/2015-03-31/functions/pets%3Alive/invocations", invoke.GetProperty("target").GetString());
    }

    [NodeLambdaFact]
    public async Task Invokes_ReuseAPooledKeepAliveConnection()
    {
        await using var raw = await _gateway.ConnectRawAsync();
        var ports = new List<int>();
        for (int i = 0; i < 3; i++)
        {
            await raw.SendAsync("GET /prod/v2/reuse/echo HTTP/1.1\r\nHost: gw\r\n\r\n");
            var response = await raw.ReadResponseAsync();
            using var document = JsonDocument.Parse(response.Body);
            ports.Add(document.RootElement.GetProperty("invoke").GetProperty("remotePort").GetInt32());
        }

        // One client connection: its invokes go one at a time, each on the connection the previous one returned to the pool.
        Assert.Single(ports.Distinct());
    }

    /// <summary>
    /// Every field of the fixture is in the event with the same JSON kind (objects compared member by member,
    /// except the maps of names whose members are the request's own); no event field is unknown to the fixture.
    /// </summary>
    private static void AssertShape(JsonElement fixture, JsonElement actual, string path, string[] optional)
    {
        string[] maps = ["headers", "multiValueHeaders", "queryStringParameters", "multiValueQueryStringParameters", "pathParameters", "stageVariables"];
        foreach (var property in fixture.EnumerateObject())
        {
            string at = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
            if (!actual.TryGetProperty(property.Name, out var value))
            {
                Assert.True(optional.Contains(property.Name) || property.Name is "cookies" or "queryStringParameters" or "pathParameters" or "stageVariables",
                    $"the event lacks {at}");
                continue;
            }

            bool nullable = property.Value.ValueKind == JsonValueKind.Null || maps.Contains(property.Name) || property.Name == "body";
            if (!(nullable && (value.ValueKind == JsonValueKind.Null || property.Value.ValueKind == JsonValueKind.Null)))
            {
                Assert.True(property.Value.ValueKind == value.ValueKind, $"{at}: {value.ValueKind}, AWS's example has {property.Value.ValueKind}");
            }

            if (property.Value.ValueKind == JsonValueKind.Object && value.ValueKind == JsonValueKind.Object && !maps.Contains(property.Name))
            {
                AssertShape(property.Value, value, at, optional);
            }
        }

        foreach (var property in actual.EnumerateObject())
        {
            Assert.True(fixture.TryGetProperty(property.Name, out _) || optional.Contains(property.Name),
                $"{(path.Length == 0 ? property.Name : $"{path}.{property.Name}")} is not in AWS's example event");
        }
    }

    private static JsonElement Fixture(string name)
    {
        const string folder = "tests/EdgeGw.Server.FunctionalTests/Lambda/Fixtures";
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, folder, name);
            if (File.Exists(candidate))
            {
                return JsonDocument.Parse(File.ReadAllBytes(candidate)).RootElement;
            }
        }

        throw new FileNotFoundException($"{folder}/{name} not found above {AppContext.BaseDirectory}");
    }
}
