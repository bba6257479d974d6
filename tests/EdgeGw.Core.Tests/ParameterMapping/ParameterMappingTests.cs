using System.Text;
using EdgeGw.Core.Model;
using EdgeGw.Core.Observability;
using EdgeGw.Core.ParameterMapping;
using EdgeGw.Core.Routing;
using EdgeGw.Protocols.Http1;
using static EdgeGw.Core.Tests.Configuration.ConfigFixture;

namespace EdgeGw.Core.Tests.ParameterMapping;

public sealed class ParameterMappingTests
{
    private static string Config(string key, string integrationExtra) => $$"""
        { "clusters": [ { "name": "up", "destinations": ["127.0.0.1:9"] } ],
          "apis": [ { "name": "a", "stages": [ { "name": "s", "variables": { "version": "v7" } } ],
            "routes": [ { "key": "{{key}}", "integration": { "type": "http", "cluster": "up", {{integrationExtra}} } } ] } ] }
        """;

    private static HttpIntegrationModel Http(string key, string extra) =>
        (HttpIntegrationModel)Valid(Config(key, extra)).RouteList.Single().Integration;

    private static List<string> Errors(string key, string extra) => ErrorPaths(Config(key, extra));

    [Theory]
    [InlineData("Content-Length")]
    [InlineData("host")]
    [InlineData("Connection")]
    [InlineData("Transfer-Encoding")]
    [InlineData("X-Forwarded-For")]
    [InlineData("x-forwarded-anything")]
    [InlineData("X-Amz-Date")]
    [InlineData("x-amzn-trace-id")]
    [InlineData("apigw-requestid")]
    [InlineData("Authorization")]
    [InlineData("Access-Control-Allow-Origin")]
    [InlineData("X-Request-Id")]
    public void ReservedHeader_IsRefused_WithThePathOfItsKey(string header)
    {
        var paths = Errors("GET /x", $$""" "requestParameters": { "overwrite:header.{{header}}": "v" } """);
        Assert.Equal([$"apis[0].routes[0].integration.requestParameters.overwrite:header.{header}"], paths);
    }

    [Fact]
    public void ReservedHeader_IsRefusedInResponseParametersToo()
    {
        var paths = Errors("GET /x", """ "responseParameters": { "200": { "append:header.Content-Length": "1", "remove:header.Server": "''" } } """);
        Assert.Equal(["apis[0].routes[0].integration.responseParameters.200.append:header.Content-Length"], paths);
    }

    [Theory]
    [InlineData(""" "requestParameters": { "replace:header.X": "v" } """, "requestParameters.replace:header.X")]
    [InlineData(""" "requestParameters": { "overwrite:cookie.X": "v" } """, "requestParameters.overwrite:cookie.X")]
    [InlineData(""" "requestParameters": { "append:path": "/v" } """, "requestParameters.append:path")]
    [InlineData(""" "requestParameters": { "overwrite:header.X": "$request.body..name" } """, "requestParameters.overwrite:header.X")]
    [InlineData(""" "requestParameters": { "overwrite:header.X": "$context.nope" } """, "requestParameters.overwrite:header.X")]
    [InlineData(""" "requestParameters": { "overwrite:header.X": "$request.path.missing" } """, "requestParameters.overwrite:header.X")]
    [InlineData(""" "requestParameters": { "overwrite:header.X": "${request.header.a" } """, "requestParameters.overwrite:header.X")]
    [InlineData(""" "requestParameters": { "overwrite:header.X": "$response.header.a" } """, "requestParameters.overwrite:header.X")]
    [InlineData(""" "requestParameters": { "overwrite:querystring.a&b": "1" } """, "requestParameters.overwrite:querystring.a&b")]
    [InlineData(""" "requestParameters": { "overwrite:header.Bad Name": "1" } """, "requestParameters.overwrite:header.Bad Name")]
    [InlineData(""" "responseParameters": { "200": { "overwrite:statuscode": "99" } } """, "responseParameters.200.overwrite:statuscode")]
    [InlineData(""" "responseParameters": { "200": { "overwrite:statuscode": "204" } } """, "responseParameters.200.overwrite:statuscode")]
    [InlineData(""" "responseParameters": { "200": { "overwrite:querystring.a": "1" } } """, "responseParameters.200.overwrite:querystring.a")]
    [InlineData(""" "responseParameters": { "200": { "overwrite:header.X": "$request.header.a" } } """, "responseParameters.200.overwrite:header.X")]
    [InlineData(""" "responseParameters": { "abc": { "overwrite:header.X": "1" } } """, "responseParameters.abc")]
    public void Misconfiguration_IsReported_AtItsKey(string extra, string path)
    {
        Assert.Contains($"apis[0].routes[0].integration.{path}", Errors("GET /x/{id}", extra));
    }

    [Fact]
    public void MappingOnAMock_IsRefused()
    {
        var paths = ErrorPaths(Api(""" { "key": "GET /x", "integration": { "type": "mock", "requestParameters": { "overwrite:header.X": "1" } } } """));
        Assert.Contains("apis[0].routes[0].integration.requestParameters", paths);
    }

    [Fact]
    public void NoMapping_CompilesToNull()
    {
        var http = Http("GET /x", """ "uri": "/y" """);
        Assert.Null(http.RequestMapping);
        Assert.Null(http.ResponseMapping);
    }

    [Fact]
    public void Values_ReadHeadersQueryPathStageVariablesAndContext()
    {
        var http = Http("GET /pets/{id}", """
            "requestParameters": {
              "overwrite:header.X-Pet": "pet-$request.path.id",
              "append:header.X-Tenant": "${request.header.x-tenant}/${request.querystring.t}",
              "overwrite:header.X-Version": "$stageVariables.version",
              "overwrite:header.X-Stage": "$context.stage $context.routeKey",
              "overwrite:header.X-Whole": "$request.path",
              "remove:header.Cookie": "''",
              "overwrite:querystring.v": "$stageVariables.version",
              "overwrite:path": "/v2/$request.path.id"
            }
            """);
        var mapping = http.RequestMapping!;
        Assert.True(mapping.DropsHeader("cookie"u8));
        Assert.True(mapping.DropsHeader("x-pet"u8));
        Assert.False(mapping.DropsHeader("x-tenant"u8)); // append keeps the client's
        Assert.True(mapping.DropsQueryString("v"u8));
        Assert.False(mapping.DropsQueryString("V"u8));   // query names are case-sensitive (AWS)

        var head = new TestHead("GET /s/pets/42?t=a&t=b&v=0 HTTP/1.1", ("Host", "gw"), ("X-Tenant", "acme"), ("x-tenant", "beta"));
        var route = Valid(Config("GET /pets/{id}", """ "uri": "/y" """)).RouteList.Single();
        var record = new RequestRecord { Route = route };
        var input = head.Input(stagePrefixLength: 2, new PathCapture(8, 2));
        Assert.Equal("pet-42", Evaluate(Op(mapping, "X-Pet"), input, record));
        Assert.Equal("acme,beta/a,b", Evaluate(Op(mapping, "X-Tenant"), input, record));
        Assert.Equal("v7", Evaluate(Op(mapping, "X-Version"), input, record));
        Assert.Equal("s GET /pets/{id}", Evaluate(Op(mapping, "X-Stage"), input, record));
        Assert.Equal("/pets/42", Evaluate(Op(mapping, "X-Whole"), input, record));
        Assert.Equal("/v2/42", Evaluate(mapping.Path!, input, record));
        Assert.Empty(Op(mapping, "Cookie").Parts);
    }

    [Fact]
    public void ContextVariables_ComeFromTheRecord_AsTheAccessLogWritesThem()
    {
        var http = Http("GET /x", """ "requestParameters": { "overwrite:header.X-Route": "[$context.routeKey] [${context.stage}] [$context.identity.userArn]" } """);
        var route = Valid(Config("GET /x", """ "uri": "/y" """)).RouteList.Single();
        var record = new RequestRecord { Route = route };
        var head = new TestHead("GET /s/x HTTP/1.1", ("Host", "gw"));
        Assert.Equal("[GET /x] [s] [-]", Evaluate(http.RequestMapping!.Headers[0].Value, head.Input(2), record));
    }

    [Fact]
    public void AuthorizerValues_ComeFromTheCallerIdentity()
    {
        var http = Http("GET /x", """
            "requestParameters": {
              "overwrite:header.X-Sub": "$context.authorizer.claims.sub",
              "overwrite:header.X-Principal": "$context.authorizer.principalId",
              "overwrite:header.X-Plan": "$context.authorizer.plan"
            }
            """);
        var record = new RequestRecord { Identity = new TestIdentity() };
        var head = new TestHead("GET /s/x HTTP/1.1", ("Host", "gw"));
        var mapping = http.RequestMapping!;
        Assert.Equal("user-1", Evaluate(Op(mapping, "X-Sub"), head.Input(2), record));
        Assert.Equal("principal-1", Evaluate(Op(mapping, "X-Principal"), head.Input(2), record));
        Assert.Equal("gold", Evaluate(Op(mapping, "X-Plan"), head.Input(2), record));
        // Without an authorizer: empty (the header is then not sent).
        Assert.Equal("", Evaluate(Op(mapping, "X-Sub"), head.Input(2), default));
    }

    [Fact]
    public void ResponseMapping_IsFoundByBackendStatus()
    {
        var http = Http("GET /x", """
            "responseParameters": {
              "404": { "overwrite:statuscode": "410", "overwrite:header.Cache-Control": "no-store", "append:header.X-From": "$response.header.server" },
              "200": { "remove:header.Server": "''" }
            }
            """);
        var response = http.ResponseMapping!;
        Assert.Null(response.Find(500));
        var notFound = response.Find(404)!;
        Assert.Equal(410, notFound.NewStatus);
        Assert.True(notFound.DropsHeader("cache-control"u8));
        Assert.False(notFound.DropsHeader("x-from"u8));
        Assert.True(response.Find(200)!.DropsHeader("SERVER"u8));
        Assert.Equal(0, response.Find(200)!.NewStatus);

        var head = new TestHead("HTTP/1.1 404 Not Found", ("Server", "nginx"), ("server", "2"));
        Assert.Equal("nginx,2", Evaluate(notFound.Headers.Single(h => h.Action == MappingAction.Append).Value, head.Input(0), default));
    }

    [Fact]
    public void AValueTooLongForTheScratch_IsNotWritten()
    {
        var http = Http("GET /x", """ "requestParameters": { "overwrite:header.X-Big": "$request.header.big$request.header.big" } """);
        var head = new TestHead("GET /s/x HTTP/1.1", ("Big", new string('b', 600)));
        Span<byte> scratch = stackalloc byte[1000];
        Assert.False(MappingEvaluator.TryEvaluate(http.RequestMapping!.Headers[0].Value, head.Input(2), default, scratch, out int written));
        Assert.Equal(0, written);
    }

    private static MappingValue Op(RequestMapping mapping, string header) =>
        mapping.Headers.Single(h => Encoding.ASCII.GetString(h.Name) == header).Value;

    private static string Evaluate(MappingValue value, in MappingInput input, in RequestRecord record)
    {
        Span<byte> scratch = stackalloc byte[MappingEvaluator.MaxValueBytes];
        Assert.True(MappingEvaluator.TryEvaluate(value, input, record, scratch, out int written));
        return Encoding.UTF8.GetString(scratch[..written]);
    }

    private sealed class TestIdentity : CallerIdentity
    {
        public override ReadOnlySpan<byte> PrincipalId => "principal-1"u8;

        public override bool TryGetClaim(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
        {
            value = name.SequenceEqual("sub"u8) ? "user-1"u8 : default;
            return !value.IsEmpty;
        }

        public override bool TryGetContext(ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value)
        {
            value = key.SequenceEqual("plan"u8) ? "gold"u8 : default;
            return !value.IsEmpty;
        }
    }

    /// <summary>A head as the parser leaves it: bytes and header entries pointing into them.</summary>
    private sealed class TestHead
    {
        private readonly byte[] _bytes;
        private readonly HeaderEntry[] _headers;
        private readonly int _pathStart;
        private readonly int _pathLength;
        private readonly int _queryStart;
        private readonly int _queryLength;

        public TestHead(string startLine, params (string Name, string Value)[] headers)
        {
            var text = new StringBuilder(startLine).Append("\r\n");
            _headers = new HeaderEntry[headers.Length];
            for (int i = 0; i < headers.Length; i++)
            {
                _headers[i] = new HeaderEntry { NameOffset = text.Length, NameLength = headers[i].Name.Length, ValueOffset = text.Length + headers[i].Name.Length + 2, ValueLength = headers[i].Value.Length };
                text.Append(headers[i].Name).Append(": ").Append(headers[i].Value).Append("\r\n");
            }

            _bytes = Encoding.Latin1.GetBytes(text.ToString());
            string[] words = startLine.Split(' ');
            string target = words[1];
            int question = target.IndexOf('?', StringComparison.Ordinal);
            _pathStart = words[0].Length + 1;
            _pathLength = question < 0 ? target.Length : question;
            _queryStart = _pathStart + _pathLength;
            _queryLength = question < 0 ? 0 : target.Length - question;
        }

        public MappingInput Input(int stagePrefixLength, params PathCapture[] captures) => new()
        {
            Head = _bytes,
            Headers = _headers,
            Path = _bytes.AsSpan(_pathStart, _pathLength),
            StagePrefixLength = stagePrefixLength,
            Query = _bytes.AsSpan(_queryStart, _queryLength),
            Captures = captures,
        };
    }
}
