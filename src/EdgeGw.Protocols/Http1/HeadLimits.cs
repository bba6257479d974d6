namespace EdgeGw.Protocols.Http1;

/// <summary>Size limits a message head is held to.</summary>
public readonly record struct HeadLimits(int MaxStartLineBytes, int MaxHeaderBytes, int MaxHeaderCount)
{
    public static HeadLimits Default { get; } = new(8192, 32768, 100);
}
