using System.Buffers;

namespace EdgeGw.Protocols.Http1;

/// <summary>Sees each piece of de-framed body data as it passes through a <see cref="BodyFramer"/> (the cache's capture, say).</summary>
public interface IBodyObserver
{
    void OnBodyData(in ReadOnlySequence<byte> data);
}
