namespace EdgeGw.Core.Model;

public sealed record UpstreamPoolSettings
{
    public required int MaxConnectionsPerDestination { get; init; }
    public required TimeSpan ConnectTimeout { get; init; }
    public required TimeSpan IdleTimeout { get; init; }
    public required TimeSpan ResponseTimeout { get; init; }
}
