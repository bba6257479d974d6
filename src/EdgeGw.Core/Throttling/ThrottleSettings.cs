namespace EdgeGw.Core.Throttling;

/// <summary>Rate (requests per second) and burst of a token bucket, as configured.</summary>
public readonly record struct ThrottleSettings(double RatePerSecond, int Burst);
