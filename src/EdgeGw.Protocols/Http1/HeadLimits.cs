namespace EdgeGw.Protocols.Http1;

/// <summary>Size limits a message head is held to.</summary>
public readonly record struct HeadLimits(int MaxStartLineBytes, int MaxHeaderBytes, int MaxHeaderCount)
{
    public static HeadLimits Default { get; } = new(8192, 32768, 100);

    /// <summary>What the gateway accepts from an upstream's response head (forwarded responses and integration answers).</summary>
    public static HeadLimits UpstreamResponse { get; } = new(8192, 65536, 256);

    /// <summary>Informational (1xx) heads read past before a final response; more is a malformed answer.</summary>
    public const int MaxInformationalResponses = 10;
}
