namespace EdgeGw.Core.Routing;

internal sealed class HostBinding(byte[] host, StageSet stages)
{
    public byte[] Host { get; } = host;
    public StageSet Stages { get; } = stages;
}
