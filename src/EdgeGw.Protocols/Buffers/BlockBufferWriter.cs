using System.Buffers;

namespace EdgeGw.Protocols.Buffers;

/// <summary>
/// A growable buffer over <see cref="BlockPool"/> arrays, for a body read whole (a WebSocket integration's
/// answer). <see cref="Detach"/> hands the array to the caller, who returns it to the pool.
/// </summary>
public sealed class BlockBufferWriter : IBufferWriter<byte>
{
    private byte[]? _buffer;
    private int _length;

    public BlockBufferWriter(int initialCapacity) => _buffer = initialCapacity > 0 ? BlockPool.Rent(initialCapacity) : null;

    public int WrittenCount => _length;

    public void Advance(int count) => _length += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_length);
    }

    /// <summary>The array (null when nothing was written) and the bytes in it; the writer is empty after.</summary>
    public byte[]? Detach(out int length)
    {
        length = _length;
        var buffer = _length == 0 ? null : _buffer;
        if (buffer is null && _buffer is not null)
        {
            BlockPool.Return(_buffer);
        }

        _buffer = null;
        _length = 0;
        return buffer;
    }

    /// <summary>Gives the array back without handing it out.</summary>
    public void Release()
    {
        if (_buffer is not null)
        {
            BlockPool.Return(_buffer);
            _buffer = null;
        }

        _length = 0;
    }

    private void Ensure(int sizeHint)
    {
        int needed = _length + Math.Max(sizeHint, 1);
        if (_buffer is not null && needed <= _buffer.Length)
        {
            return;
        }

        var larger = BlockPool.Rent(Math.Max(needed, _buffer is null ? 4096 : _buffer.Length * 2));
        if (_buffer is not null)
        {
            _buffer.AsSpan(0, _length).CopyTo(larger);
            BlockPool.Return(_buffer);
        }

        _buffer = larger;
    }
}
