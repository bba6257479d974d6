namespace EdgeGw.Core.Model;

/// <summary>Opens (answers 503 without calling the cluster) when the failure ratio in a window passes a threshold.</summary>
public sealed record CircuitBreakerSettings(double FailureRatio, int MinimumRequests, int WindowSeconds, int OpenSeconds);
