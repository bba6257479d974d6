namespace EdgeGw.Core.Model;

/// <summary>Limits on what a client controls.</summary>
public sealed record RequestLimits
{
    public const int DefaultMaxConnections = 100_000;

    public required int MaxRequestLineBytes { get; init; }
    public required int MaxHeaderBytes { get; init; }
    public required int MaxHeaderCount { get; init; }
    /// <summary>Default body limit for routes that do not set their own.</summary>
    public required long MaxBodyBytes { get; init; }
    public int MaxConnections { get; init; } = DefaultMaxConnections;
    /// <summary>0: no limit.</summary>
    public int MaxRequestsPerConnection { get; init; }
    /// <summary>0: no minimum rate, only the per-read timeout.</summary>
    public int MinBodyBytesPerSecond { get; init; }
}
