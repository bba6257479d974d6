using BenchmarkDotNet.Attributes;
using EdgeGw.Core.Tracing;

namespace EdgeGw.Benchmarks.Tracing;

/// <summary>
/// What an unsampled traced request pays for its trace context: reading the client's traceparent (or starting a
/// trace: two ids and the sampler), checking a tracestate, two span ids, and writing the backend's traceparent.
/// Expect a few nanoseconds each and 0 B.
/// </summary>
[MemoryDiagnoser]
public class TraceContextBenchmarks
{
    private static readonly byte[] Parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"u8.ToArray();
    private static readonly byte[] State = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"u8.ToArray();
    private readonly byte[] _out = new byte[TraceParent.Length];
    private readonly ulong _threshold = Sampler.Threshold(0.05);

    [Benchmark]
    public bool ParseTraceparent() => TraceParent.TryParse(Parent, out _);

    [Benchmark]
    public bool CheckTracestate() => TraceState.IsValid(State);

    [Benchmark]
    public bool NewTraceAndSample()
    {
        ulong high = TraceIds.Next(), low = TraceIds.Next();
        return Sampler.Sample(low, _threshold) && high != 0;
    }

    [Benchmark]
    public byte ClientParent_ToBackendTraceparent()
    {
        TraceParent.TryParse(Parent, out var parent);
        ulong span = TraceIds.Next(), integration = TraceIds.Next();
        TraceParent.Write(_out, parent.TraceIdHigh, parent.TraceIdLow, integration ^ span, parent.Sampled);
        return _out[54];
    }
}
