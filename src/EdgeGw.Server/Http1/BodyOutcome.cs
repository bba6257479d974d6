namespace EdgeGw.Server.Http1;

/// <summary>How reading a client's request body ended.</summary>
internal enum BodyOutcome : byte
{
    Complete,
    TooLarge,
    Invalid,
    ClientClosed,
    TimedOut,
    UpstreamClosed,
    /// <summary>The upstream stopped reading the body (e.g. it answered early) for longer than the response timeout.</summary>
    UpstreamStalled,
}
