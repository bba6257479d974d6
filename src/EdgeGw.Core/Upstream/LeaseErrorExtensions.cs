namespace EdgeGw.Core.Upstream;

public static class LeaseErrorExtensions
{
    /// <summary>The gateway's own capacity, not the destination, refused: the destination's health is not at fault.</summary>
    public static bool IsLocal(this LeaseError error) => error is LeaseError.PoolExhausted or LeaseError.OutOfDescriptors;

    /// <summary>The destination did not take the connection (refused, unreachable, unresolvable, too slow, or its TLS handshake failed): nothing was sent.</summary>
    public static bool IsConnectFailure(this LeaseError error) => error is LeaseError.ConnectFailed or LeaseError.ConnectTimedOut or LeaseError.TlsFailed;

    /// <summary>503 for the gateway's own capacity, 504 for a connect timeout, 502 for a failed connect.</summary>
    public static int ToStatusCode(this LeaseError error) => error switch
    {
        LeaseError.PoolExhausted or LeaseError.OutOfDescriptors => 503,
        LeaseError.ConnectTimedOut => 504,
        _ => 502,
    };
}
