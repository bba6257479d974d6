using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;
using EdgeGw.Core.Configuration;
using EdgeGw.Core.Model;
using EdgeGw.Core.Routing;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Benchmarks.Routing;

/// <summary>
/// Route lookup on a 300-route API (AWS's per-API route limit): 30 resources × 10 route shapes, bound to a host,
/// deployed to one stage. Each benchmark is one lookup on the raw request bytes.
/// </summary>
[MemoryDiagnoser]
public class RouteLookupBenchmarks
{
    private static readonly byte[] Host = "api.example.com"u8.ToArray();
    private static readonly byte[] LiteralPath = "/prod/resource29"u8.ToArray();
    private static readonly byte[] ParameterPath = "/prod/resource17/8f14e45f/items/42"u8.ToArray();
    private static readonly byte[] GreedyPath = "/prod/resource11/8f14e45f/files/a/b/c.txt"u8.ToArray();
    private static readonly byte[] MissPath = "/prod/resource99/8f14e45f"u8.ToArray();

    private RouteTable<RouteModel> _table = RouteTable<RouteModel>.Empty;

    [GlobalSetup]
    public void Setup()
    {
        var routes = new StringBuilder();
        string[] shapes = ["GET /resource{0}", "GET /resource{0}/{{id}}", "POST /resource{0}", "GET /resource{0}/{{id}}/items",
            "GET /resource{0}/{{id}}/items/{{item}}", "PUT /resource{0}/{{id}}", "DELETE /resource{0}/{{id}}", "ANY /resource{0}/{{id}}/files/{{path+}}",
            "PATCH /resource{0}/{{id}}", "OPTIONS /resource{0}"];
        for (int i = 0; i < 30; i++)
        {
            foreach (string shape in shapes)
            {
                routes.Append(routes.Length > 0 ? "," : "").Append("{ \"key\": \"").Append(string.Format(CultureInfo.InvariantCulture, shape, i))
                    .Append("\", \"integration\": { \"type\": \"mock\" } }");
            }
        }

        string json = $$"""
            { "apis": [ { "name": "big", "hosts": [ "api.example.com" ], "stages": [ { "name": "prod" } ], "routes": [ {{routes}} ] } ] }
            """;
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(json));
        var result = GatewayConfigLoader.Load(GatewayConfiguration.Build(null, stream, [], environment: new Dictionary<string, string>()));
        _table = result.Model?.Routes ?? throw new InvalidOperationException(result.Format());
        if (_table.Count != 300)
        {
            throw new InvalidOperationException($"expected 300 routes, got {_table.Count}");
        }
    }

    [Benchmark(Baseline = true)]
    public bool Literal() => Lookup(HttpMethod.Get, LiteralPath);

    [Benchmark]
    public bool TwoParameters() => Lookup(HttpMethod.Get, ParameterPath);

    [Benchmark]
    public bool Greedy() => Lookup(HttpMethod.Get, GreedyPath);

    [Benchmark]
    public bool Miss() => Lookup(HttpMethod.Get, MissPath);

    private bool Lookup(HttpMethod method, byte[] path)
    {
        RouteMatch<RouteModel> match = default;
        return _table.TryMatch(Host, method, path, ref match);
    }
}
