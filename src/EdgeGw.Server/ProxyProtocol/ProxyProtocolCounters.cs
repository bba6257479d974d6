using EdgeGw.Protocols.Proxy;

namespace EdgeGw.Server.ProxyProtocol;

/// <summary>PROXY protocol outcomes on the listeners that expect it, for <c>/metrics</c>.</summary>
public sealed class ProxyProtocolCounters
{
    private long _accepted;
    private long _timedOut;
    private long _closedEarly;
    private readonly long[] _refused = new long[Enum.GetValues<ProxyHeaderError>().Length];

    /// <summary>Headers read (v1 and v2, with addresses or not).</summary>
    public long Accepted => Interlocked.Read(ref _accepted);
    /// <summary>Connections that sent no whole header within the listener's timeout.</summary>
    public long TimedOut => Interlocked.Read(ref _timedOut);
    /// <summary>Connections the peer closed before a whole header.</summary>
    public long ClosedEarly => Interlocked.Read(ref _closedEarly);

    public long Refused(ProxyHeaderError reason) => Interlocked.Read(ref _refused[(int)reason]);

    internal void OnAccepted() => Interlocked.Increment(ref _accepted);
    internal void OnTimedOut() => Interlocked.Increment(ref _timedOut);
    internal void OnClosedEarly() => Interlocked.Increment(ref _closedEarly);
    internal void OnRefused(ProxyHeaderError reason) => Interlocked.Increment(ref _refused[(int)reason]);
}
