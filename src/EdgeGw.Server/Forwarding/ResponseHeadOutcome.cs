namespace EdgeGw.Server.Forwarding;

/// <summary>How waiting for an upstream's response head ended.</summary>
internal enum ResponseHeadOutcome : byte
{
    Received,
    /// <summary>The upstream closed before sending a single byte (a stale keep-alive connection, typically).</summary>
    ClosedBeforeResponse,
    Malformed,
    TimedOut,
}
