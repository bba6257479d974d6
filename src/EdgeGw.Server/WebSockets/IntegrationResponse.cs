using EdgeGw.Protocols.Buffers;

namespace EdgeGw.Server.WebSockets;

/// <summary>An integration's answer: a status (0 when the call failed) and a body held in a pooled buffer.</summary>
internal struct IntegrationResponse : IDisposable
{
    public int Status;
    public byte[]? Body;
    public int BodyLength;
    /// <summary>The response's Content-Type value, or null.</summary>
    public byte[]? ContentType;

    public readonly bool Succeeded => Status is >= 200 and < 300;
    public readonly ReadOnlySpan<byte> BodySpan => Body is null ? default : Body.AsSpan(0, BodyLength);

    public void Dispose()
    {
        if (Body is not null)
        {
            BlockPool.Return(Body);
            Body = null;
        }
    }
}
