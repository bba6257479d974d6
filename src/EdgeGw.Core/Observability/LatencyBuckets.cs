using System.Collections.Immutable;

namespace EdgeGw.Core.Observability;

/// <summary>The latency histograms' upper bounds, 0.25 ms to 30 s (the <c>le</c> labels, then <c>+Inf</c>).</summary>
public static class LatencyBuckets
{
    /// <summary>The bounds in seconds.</summary>
    public static readonly ImmutableArray<double> Seconds =
        [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    /// <summary>The <c>le</c> label values, formatted once (OpenMetrics' canonical floats, which Prometheus parses too).</summary>
    public static readonly ImmutableArray<string> Labels =
        ["0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "2.5", "5.0", "10.0", "30.0", "+Inf"];

    /// <summary>Bounds plus the <c>+Inf</c> bucket.</summary>
    public static int Count => Seconds.Length + 1;

    /// <summary>The bounds in ticks of a clock running at <paramref name="frequency"/> per second.</summary>
    public static long[] InTicks(long frequency)
    {
        var ticks = new long[Seconds.Length];
        for (int i = 0; i < ticks.Length; i++)
        {
            ticks[i] = (long)Math.Round(Seconds[i] * frequency);
        }

        return ticks;
    }

    /// <summary>The (non-cumulative) bucket of a duration: the first bound it does not exceed, else <c>+Inf</c>.</summary>
    public static int Index(long[] boundsInTicks, long ticks)
    {
        int i = 0;
        while (i < boundsInTicks.Length && ticks > boundsInTicks[i])
        {
            i++;
        }

        return i;
    }
}
