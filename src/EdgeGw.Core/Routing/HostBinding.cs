namespace EdgeGw.Core.Routing;

/// <summary>The stages of the APIs bound to one host name (lower-case ASCII).</summary>
internal sealed class HostBinding<TRoute>(byte[] host, StageSet<TRoute> stages)
    where TRoute : class
{
    public byte[] Host { get; } = host;
    public StageSet<TRoute> Stages { get; } = stages;
}
