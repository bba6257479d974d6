using System.Text;
using BenchmarkDotNet.Attributes;
using EdgeGw.Core.Iam;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Benchmarks.Iam;

/// <summary>
/// SigV4 verification of a typical API call, <c>GET /prod/pets/42?limit=10&amp;sort=name</c> with Accept and
/// User-Agent, signed by botocore (SigV4Auth and SigV4QueryAuth, execute-api, us-east-1) at 2026-12-02T12:00:00Z:
/// the header form and the presigned form, with the signing key cached (the steady state), and the header form
/// deriving the key each time (the first request of a credential on a day).
/// </summary>
[MemoryDiagnoser]
public class SigV4Benchmarks
{
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private static readonly long Now = new DateTimeOffset(2026, 12, 2, 12, 1, 0, TimeSpan.Zero).ToUnixTimeSeconds();

    private readonly SigV4Verifier _verifier = new();
    private IamSettings _settings = null!;
    private Signed _header = null!;
    private Signed _presigned = null!;

    private sealed record Signed(byte[] Head, HeaderEntry[] Headers, byte[] Query);

    [GlobalSetup]
    public void Setup()
    {
        _settings = Settings();
        _header = Build("limit=10&sort=name",
            ("Host", "api.example.com"), ("Accept", "application/json"), ("User-Agent", "bench/1.0"), ("X-Amz-Date", "20261202T120000Z"),
            ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261202/us-east-1/execute-api/aws4_request, SignedHeaders=accept;host;x-amz-date, Signature=d644b27943396cd01dafa0628e6b346b17c3b6dd4232076651eecbe41db135ff"));
        _presigned = Build(
            "limit=10&sort=name&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261202%2Fus-east-1%2Fexecute-api%2Faws4_request&X-Amz-Date=20261202T120000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=accept%3Bhost&X-Amz-Signature=4e4975df4d5760b6842c451478f7a051f731fb8f0306da2d587fc80c5dd93258",
            ("Host", "api.example.com"), ("Accept", "application/json"), ("User-Agent", "bench/1.0"));
        if (HeaderForm() != SigV4Status.Verified || PresignedForm() != SigV4Status.Verified)
        {
            throw new InvalidOperationException("the benchmark's requests do not verify");
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _verifier.Dispose();

    [Benchmark(Baseline = true)]
    public SigV4Status HeaderForm() => Verify(_header, _settings);

    [Benchmark]
    public SigV4Status PresignedForm() => Verify(_presigned, _settings);

    /// <summary>A fresh credential store each time: the signing key is derived (four more HMACs), as on a credential's first request of a day.</summary>
    [Benchmark]
    public SigV4Status HeaderForm_KeyDerived() => Verify(_header, Settings());

    private SigV4Status Verify(Signed request, IamSettings settings) =>
        _verifier.Verify(settings, request.Head, request.Headers, "GET"u8, "/prod/pets/42"u8, request.Query, default, Now);

    private static IamSettings Settings() => new("us-east-1", "execute-api", [("AKIAIOSFODNN7EXAMPLE", Secret, "arn:aws:iam::123456789012:user/bench")]);

    private static Signed Build(string query, params (string Name, string Value)[] headers)
    {
        var text = new StringBuilder($"GET /prod/pets/42?{query} HTTP/1.1\r\n");
        var entries = new List<HeaderEntry>();
        foreach (var (name, value) in headers)
        {
            var entry = new HeaderEntry { NameOffset = text.Length, NameLength = name.Length };
            text.Append(name).Append(": ");
            entry.ValueOffset = text.Length;
            entry.ValueLength = value.Length;
            text.Append(value).Append("\r\n");
            entries.Add(entry);
        }

        return new Signed(Encoding.ASCII.GetBytes(text.Append("\r\n").ToString()), [.. entries], Encoding.ASCII.GetBytes(query));
    }
}
