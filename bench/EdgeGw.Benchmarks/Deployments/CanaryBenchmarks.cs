using BenchmarkDotNet.Attributes;
using EdgeGw.Core.Deployments;

namespace EdgeGw.Benchmarks.Deployments;

/// <summary>
/// Step 3b's decision on a stage with a canary: a draw from the connection's xorshift64* stream compared with the
/// share, or the hash (MurmurHash3 mixing, 8 bytes a step) of a sticky value. Expect 0 B and a few nanoseconds; a stage without a canary
/// pays one null check before this (not measured: it is the route model's field read).
/// </summary>
[MemoryDiagnoser]
public class CanaryBenchmarks
{
    private readonly CanaryPolicy _policy = new(7, 10.0, stickyCookie: "session");
    private readonly byte[] _session = "3f2b9c1e-5d4a-4e8f-9a7b-1c2d3e4f5a6b"u8.ToArray();
    private readonly byte[] _cookie = "theme=dark; session=3f2b9c1e-5d4a-4e8f-9a7b-1c2d3e4f5a6b; lang=en"u8.ToArray();
    private CanaryRandom _random = new(42);

    [Benchmark(Baseline = true)]
    public bool RandomDraw() => _policy.Chooses(_random.Next());

    [Benchmark]
    public bool StickyValue() => _policy.ChoosesKey(_session);

    [Benchmark]
    public bool StickyCookieHeader() => _policy.ChoosesKey(CanaryPolicy.CookieValue(_cookie, _policy.StickyCookie!));
}
