using System.Buffers;
using System.Buffers.Text;
using System.Runtime.CompilerServices;

namespace EdgeGw.Protocols.Buffers;

/// <summary>
/// Writes into an <see cref="IBufferWriter{T}"/> through a cached span, committing in one Advance.
/// Generic over the writer so calls on a PipeWriter are not virtual through an interface per byte run.
/// </summary>
public ref struct BufferWriter<T> where T : IBufferWriter<byte>
{
    private readonly T _output;
    private Span<byte> _span;
    private int _buffered;

    public BufferWriter(T output)
    {
        _output = output;
        _span = output.GetSpan();
        _buffered = 0;
    }

    /// <summary>Bytes written and not yet committed.</summary>
    public readonly int Buffered => _buffered;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Write(scoped ReadOnlySpan<byte> source)
    {
        if (source.Length <= _span.Length)
        {
            source.CopyTo(_span);
            _span = _span[source.Length..];
            _buffered += source.Length;
            return;
        }

        WriteMultiBuffer(source);
    }

    public void WriteByte(byte value)
    {
        if (_span.IsEmpty)
        {
            Ensure(1);
        }

        _span[0] = value;
        _span = _span[1..];
        _buffered++;
    }

    public void WriteNumber(long value)
    {
        Ensure(20);
        Utf8Formatter.TryFormat(value, _span, out int written);
        _span = _span[written..];
        _buffered += written;
    }

    public void WriteHex(long value)
    {
        Ensure(16);
        Utf8Formatter.TryFormat(value, _span, out int written, new StandardFormat('X'));
        _span = _span[written..];
        _buffered += written;
    }

    /// <summary>Writes <c>name: value\r\n</c>.</summary>
    public void WriteHeader(scoped ReadOnlySpan<byte> name, scoped ReadOnlySpan<byte> value)
    {
        Write(name);
        Write(": "u8);
        Write(value);
        Write("\r\n"u8);
    }

    public void Write(in ReadOnlySequence<byte> source)
    {
        foreach (var segment in source)
        {
            Write(segment.Span);
        }
    }

    public void Commit()
    {
        if (_buffered > 0)
        {
            _output.Advance(_buffered);
            _buffered = 0;
            _span = default;
        }
    }

    public void Ensure(int count)
    {
        if (_span.Length < count)
        {
            Commit();
            _span = _output.GetSpan(count);
        }
    }

    private void WriteMultiBuffer(scoped ReadOnlySpan<byte> source)
    {
        while (source.Length > 0)
        {
            if (_span.IsEmpty)
            {
                Ensure(1);
            }

            int length = Math.Min(_span.Length, source.Length);
            source[..length].CopyTo(_span);
            _span = _span[length..];
            _buffered += length;
            source = source[length..];
        }
    }
}
