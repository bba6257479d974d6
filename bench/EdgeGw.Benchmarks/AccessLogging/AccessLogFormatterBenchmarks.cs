using BenchmarkDotNet.Attributes;
using EdgeGw.Core.AccessLogging;
using EdgeGw.Core.Model;
using EdgeGw.Core.Observability;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Benchmarks.AccessLogging;

/// <summary>
/// Formatting one access log line from a filled <see cref="RequestRecord"/> (a proxied GET), per preset, and with a
/// User-Agent that needs JSON escaping. The request path pays this once per request with logging on; expect 0 B.
/// </summary>
[MemoryDiagnoser]
public class AccessLogFormatterBenchmarks
{
    private readonly byte[] _buffer = new byte[16 * 1024];
    private AccessLogTemplate _json = null!;
    private AccessLogTemplate _clf = null!;
    private RequestRecord _record;
    private RequestRecord _hostile;

    [GlobalSetup]
    public void Setup()
    {
        _json = AccessLogTemplate.Compile("json", [])!;
        _clf = AccessLogTemplate.Compile("clf", [])!;
        var route = new RouteModel
        {
            ApiName = "shop", StageName = "prod", RouteKey = "GET /pets/{id}", ParameterNames = ["id"], MaxBodyBytes = 0,
            Integration = new MockIntegrationModel { StatusCode = 200, Headers = [], Body = [] },
        };
        _record = Fill(route, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"u8);
        _hostile = Fill(route, "a \"quoted\" \\ agent\twith\u00e9 escapes"u8);
    }

    private static RequestRecord Fill(RouteModel route, ReadOnlySpan<byte> userAgent)
    {
        var record = default(RequestRecord);
        record.Begin(1_000_000, 1_000_000_000, 1709622489123, new byte[RequestRecord.TextCapacity]);
        record.Method = HttpMethod.Get;
        record.RequestId = record.Copy("fd27dfe30ba1d77a-0000000000000001"u8, RequestRecord.MaxIdBytes);
        record.SourceIp = record.Copy("10.0.0.9"u8, RequestRecord.MaxIdBytes);
        record.MethodToken = record.Copy("GET"u8, RequestRecord.MaxMethodBytes);
        record.Path = record.Copy("/prod/pets/12345"u8, RequestRecord.MaxPathBytes);
        record.UserAgent = record.Copy(userAgent, RequestRecord.MaxUserAgentBytes);
        record.Route = route;
        record.Status = 200;
        record.ResponseLength = 1024;
        record.IntegrationStartTimestamp = 1_100_000;
        record.IntegrationEndTimestamp = 2_100_000;
        record.IntegrationStatus = 200;
        record.EndTimestamp = 2_500_000;
        return record;
    }

    [Benchmark(Baseline = true)]
    public int Json() => AccessLogFormatter.TryFormat(_json, in _record, _buffer, out int n) ? n : 0;

    [Benchmark]
    public int Clf() => AccessLogFormatter.TryFormat(_clf, in _record, _buffer, out int n) ? n : 0;

    [Benchmark]
    public int JsonEscaping() => AccessLogFormatter.TryFormat(_json, in _hostile, _buffer, out int n) ? n : 0;
}
