namespace EdgeGw.Server.Logging;

/// <summary>Why a request got no answer from its upstream (the reason in the log line).</summary>
internal enum UpstreamFailure : byte
{
    ConnectFailed,
    ConnectTimedOut,
    TlsFailed,
    PoolExhausted,
    OutOfDescriptors,
    ClosedBeforeResponse,
    MalformedResponse,
    ResponseTimedOut,
}
