namespace EdgeGw.Core.Model;

/// <summary>How a cluster talks to each of its destinations: pool size and timeouts.</summary>
public sealed record UpstreamPoolSettings
{
    public const int DefaultResponseBufferBytes = 64 * 1024;
    public const int MaxResponseBufferBytes = 16 * 1024 * 1024;

    public required int MaxConnectionsPerDestination { get; init; }
    public required TimeSpan ConnectTimeout { get; init; }
    public required TimeSpan IdleTimeout { get; init; }
    public required TimeSpan ResponseTimeout { get; init; }
    /// <summary>
    /// How much of a response is taken from the upstream without waiting for the client to read it: a response
    /// up to this size frees its upstream connection as soon as it has arrived, whatever the client does.
    /// </summary>
    public int ResponseBufferBytes { get; init; } = DefaultResponseBufferBytes;
}
