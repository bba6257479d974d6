using System.Buffers;
using EdgeGw.Core.Caching;

namespace EdgeGw.Server.Caching;

/// <summary>
/// Collects a cacheable upstream response while it is relayed to the client: the head as it will be replayed
/// (end-to-end headers only, no framing) and the de-chunked body. One per connection, reused; the buffer is
/// pooled and returned after each response, so an idle connection holds none. Stops collecting (and the
/// response streams on uncached) as soon as it outgrows the entry size limit.
/// </summary>
internal sealed class ResponseCapture : IBufferWriter<byte>
{
    private byte[] _buffer = [];
    private int _length;
    private int _limit;

    public RouteCachePolicy? Policy { get; private set; }
    public ulong Hash { get; private set; }
    public CacheFill? Fill { get; private set; }
    /// <summary>The route is cached: responses carry the Miss header even when they turn out not storable.</summary>
    public bool Active => Policy is not null;
    /// <summary>Still worth keeping: the head allowed storing and nothing exceeded the limit so far.</summary>
    public bool Storable { get; set; }
    public TimeSpan Ttl { get; set; }
    public int HeadLength { get; private set; }
    /// <summary>Set when the whole body reached the client and the upstream connection was clean.</summary>
    public bool Completed { get; set; }
    public bool IsHeadRequest { get; private set; }
    public bool OmitContentLength { get; set; }
    /// <summary>The body outgrew the entry size limit: the response streamed on uncached.</summary>
    public bool Oversized { get; private set; }

    public int BodyLength => _length - HeadLength;

    public void Begin(RouteCachePolicy policy, ulong hash, CacheFill? fill, int limit, bool isHeadRequest)
    {
        Policy = policy;
        Hash = hash;
        Fill = fill;
        _limit = limit;
        _length = 0;
        HeadLength = 0;
        Storable = false;
        Completed = false;
        OmitContentLength = false;
        Oversized = false;
        IsHeadRequest = isHeadRequest;
        Ttl = policy.Ttl;
    }

    public void EndHead() => HeadLength = _length;

    public void AppendBody(in ReadOnlySequence<byte> data)
    {
        if (!Storable)
        {
            return;
        }

        if (_length + data.Length > _limit)
        {
            Oversized = true;
            Abandon();
            return;
        }

        EnsureCapacity((int)data.Length);
        data.CopyTo(_buffer.AsSpan(_length));
        _length += (int)data.Length;
    }

    /// <summary>Builds the entry bytes (head + Content-Length + body) or null if nothing storable was captured.</summary>
    public CacheEntry? ToEntry(ReadOnlySpan<byte> key, int pathOffset, int pathLength, long now, long ttlTicks)
    {
        if (!Storable || !Completed)
        {
            return null;
        }

        Span<byte> lengthLine = stackalloc byte[40];
        int lineLength = 0;
        if (!OmitContentLength)
        {
            "Content-Length: "u8.CopyTo(lengthLine);
            lineLength = 16;
            BodyLength.TryFormat(lengthLine[lineLength..], out int digits);
            lineLength += digits;
            lengthLine[lineLength++] = (byte)'\r';
            lengthLine[lineLength++] = (byte)'\n';
        }

        var response = new byte[_length + lineLength];
        _buffer.AsSpan(0, HeadLength).CopyTo(response);
        lengthLine[..lineLength].CopyTo(response.AsSpan(HeadLength));
        _buffer.AsSpan(HeadLength, BodyLength).CopyTo(response.AsSpan(HeadLength + lineLength));
        return new CacheEntry(key.ToArray(), Hash, response, HeadLength + lineLength, now, now + ttlTicks, pathOffset, pathLength);
    }

    public void Abandon()
    {
        Storable = false;
        ReturnBuffer();
    }

    /// <summary>Ends this response's capture and gives the buffer back.</summary>
    public void Reset()
    {
        Policy = null;
        Fill = null;
        Storable = false;
        ReturnBuffer();
    }

    private void ReturnBuffer()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = [];
        }

        _length = 0;
    }

    private void EnsureCapacity(int extra)
    {
        if (_length + extra <= _buffer.Length)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_length + extra, Math.Max(4096, _buffer.Length * 2)));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }

        _buffer = bigger;
    }

    void IBufferWriter<byte>.Advance(int count) => _length += count;

    Memory<byte> IBufferWriter<byte>.GetMemory(int sizeHint)
    {
        EnsureCapacity(Math.Max(sizeHint, 256));
        return _buffer.AsMemory(_length);
    }

    Span<byte> IBufferWriter<byte>.GetSpan(int sizeHint)
    {
        EnsureCapacity(Math.Max(sizeHint, 256));
        return _buffer.AsSpan(_length);
    }
}
