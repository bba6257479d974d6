namespace EdgeGw.Core.Routing;

internal sealed class HostBinding<TRoute>(byte[] host, StageSet<TRoute> stages)
    where TRoute : class
{
    public byte[] Host { get; } = host;
    public StageSet<TRoute> Stages { get; } = stages;
}
