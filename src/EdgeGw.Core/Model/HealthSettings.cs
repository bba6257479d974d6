namespace EdgeGw.Core.Model;

/// <summary>
/// Passive health: a destination with <see cref="ConsecutiveFailures"/> failed requests in a row is left out
/// of balancing for <see cref="ReactivationSeconds"/>. <see cref="Active"/> probes it on its own schedule.
/// </summary>
public sealed record HealthSettings(int ConsecutiveFailures, int ReactivationSeconds, ActiveHealthSettings? Active)
{
    public static HealthSettings Default { get; } = new(5, 30, null);
}
