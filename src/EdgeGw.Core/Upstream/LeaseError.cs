namespace EdgeGw.Core.Upstream;

public enum LeaseError : byte
{
    None,
    /// <summary>The destination is at its connection limit.</summary>
    PoolExhausted,
    ConnectFailed,
    ConnectTimedOut,
    /// <summary>The TLS handshake with an https destination failed (certificate verification or refusal).</summary>
    TlsFailed,
    /// <summary>The process holds every connection its descriptor limit allows (<see cref="Transport.DescriptorBudget"/>).</summary>
    OutOfDescriptors,
}
