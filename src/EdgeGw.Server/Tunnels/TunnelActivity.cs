namespace EdgeGw.Server.Tunnels;

/// <summary>When either direction of a tunnel last carried bytes: a tunnel is idle only when both are quiet.</summary>
internal sealed class TunnelActivity(TimeProvider time, TimeSpan idleTimeout)
{
    private long _last = time.GetTimestamp();

    public void Touch() => Volatile.Write(ref _last, time.GetTimestamp());

    public TimeSpan RemainingIdle() => idleTimeout - time.GetElapsedTime(Volatile.Read(ref _last));
}
