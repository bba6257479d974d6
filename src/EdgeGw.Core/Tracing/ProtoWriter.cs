using System.Buffers.Binary;
using System.Text;

namespace EdgeGw.Core.Tracing;

/// <summary>
/// The few protocol-buffers encodings OTLP needs, into one growable buffer reused batch after batch (the exporter's
/// thread only). A nested message reserves 5 bytes for its length (the most a 32-bit varint takes), and on
/// <see cref="End"/> the body moves back over what the length did not use, so lengths are minimal with one pass.
/// </summary>
public sealed class ProtoWriter
{
    private const int WireVarint = 0, WireFixed64 = 1, WireLength = 2, WireFixed32 = 5;
    private byte[] _buffer;
    private int _position;

    public ProtoWriter(int capacity = 64 * 1024) => _buffer = new byte[capacity];

    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _position);

    public int Length => _position;

    public void Reset() => _position = 0;

    /// <summary>Starts a length-delimited field; pass the result to <see cref="End"/>.</summary>
    public int Begin(int field)
    {
        Tag(field, WireLength);
        Ensure(5);
        int mark = _position;
        _position += 5;
        return mark;
    }

    public void End(int mark)
    {
        int bodyStart = mark + 5;
        int length = _position - bodyStart;
        int size = VarintSize((uint)length);
        if (size < 5)
        {
            _buffer.AsSpan(bodyStart, length).CopyTo(_buffer.AsSpan(mark + size));
            _position -= 5 - size;
        }

        WriteVarint(_buffer.AsSpan(mark), (uint)length);
    }

    public void Varint(int field, ulong value)
    {
        Tag(field, WireVarint);
        RawVarint(value);
    }

    public void Fixed64(int field, ulong value)
    {
        Tag(field, WireFixed64);
        Ensure(8);
        BinaryPrimitives.WriteUInt64LittleEndian(_buffer.AsSpan(_position), value);
        _position += 8;
    }

    public void Fixed32(int field, uint value)
    {
        Tag(field, WireFixed32);
        Ensure(4);
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_position), value);
        _position += 4;
    }

    public void Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, WireLength);
        RawVarint((uint)value.Length);
        Ensure(value.Length);
        value.CopyTo(_buffer.AsSpan(_position));
        _position += value.Length;
    }

    /// <summary>A big-endian 8-byte id (span ids, half a trace id) as a bytes field.</summary>
    public void Id(int field, ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        Bytes(field, bytes);
    }

    public void TraceId(int field, ulong high, ulong low)
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, high);
        BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], low);
        Bytes(field, bytes);
    }

    public void String(int field, string value)
    {
        Tag(field, WireLength);
        int length = Encoding.UTF8.GetByteCount(value);
        RawVarint((uint)length);
        Ensure(length);
        _position += Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_position));
    }

    private void Tag(int field, int wire) => RawVarint((uint)((field << 3) | wire));

    private void RawVarint(ulong value)
    {
        Ensure(10);
        while (value >= 0x80)
        {
            _buffer[_position++] = (byte)(value | 0x80);
            value >>= 7;
        }

        _buffer[_position++] = (byte)value;
    }

    private static void WriteVarint(Span<byte> destination, uint value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[i] = (byte)value;
    }

    private static int VarintSize(uint value) => value < 1u << 7 ? 1 : value < 1u << 14 ? 2 : value < 1u << 21 ? 3 : value < 1u << 28 ? 4 : 5;

    private void Ensure(int bytes)
    {
        if (_position + bytes > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _position + bytes));
        }
    }
}
