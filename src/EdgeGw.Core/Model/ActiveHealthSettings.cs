namespace EdgeGw.Core.Model;

/// <summary>An HTTP GET of <see cref="Path"/> every interval; 2xx/3xx is healthy. Compared by value on reload.</summary>
public sealed record ActiveHealthSettings(string Path, int IntervalSeconds, int TimeoutMs, int HealthyThreshold, int UnhealthyThreshold);
