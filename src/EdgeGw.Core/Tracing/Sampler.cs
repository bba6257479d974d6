namespace EdgeGw.Core.Tracing;

/// <summary>
/// Head sampling, as OpenTelemetry's ParentBased(TraceIdRatioBased): a parent's sampled flag decides for its
/// children; a new trace is sampled when its id's low 63 random bits fall under the ratio's share of 2^63, so the
/// decision is a compare on bits the id already has (and every hop with the same ratio agrees on a trace).
/// </summary>
public static class Sampler
{
    /// <summary>The bound for <paramref name="ratio"/> (0: none; 1: all).</summary>
    public static ulong Threshold(double ratio) => ratio >= 1 ? ulong.MaxValue : ratio <= 0 ? 0 : (ulong)(ratio * 9223372036854775808.0);

    /// <summary>Whether a new trace whose id ends in <paramref name="traceIdLow"/> is sampled.</summary>
    public static bool Sample(ulong traceIdLow, ulong threshold) => threshold == ulong.MaxValue || (traceIdLow & 0x7FFF_FFFF_FFFF_FFFF) < threshold;
}
