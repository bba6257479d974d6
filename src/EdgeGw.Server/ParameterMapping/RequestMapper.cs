using System.Buffers;
using System.IO.Pipelines;
using EdgeGw.Core.Observability;
using EdgeGw.Core.ParameterMapping;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Server.ParameterMapping;

/// <summary>
/// Applies an integration's <see cref="RequestMapping"/> while the upstream request head is written: the target
/// path, the query string and the added headers (the writer skips the client's dropped headers itself). Values
/// are evaluated from the client's request as received into the caller's pooled scratch buffer.
/// </summary>
internal static class RequestMapper
{
    private static readonly SearchValues<byte> QueryUnsafe = SearchValues.Create(" \"#&+<>`{}|\\^\x7F"u8);
    private static readonly SearchValues<byte> PathUnsafe = SearchValues.Create(" \"#?<>`{}|\\^\x7F"u8);

    /// <summary>A scratch buffer for one head's values (from the shared pool; give it back with <see cref="Return"/>).</summary>
    public static byte[] Rent() => ArrayPool<byte>.Shared.Rent(MappingEvaluator.MaxValueBytes);

    public static void Return(byte[] scratch) => ArrayPool<byte>.Shared.Return(scratch);

    /// <summary><c>overwrite:path</c>: the value, made absolute, with bytes that cannot stand in a path percent-encoded.</summary>
    public static void WritePath(ref BufferWriter<PipeWriter> writer, MappingValue path, scoped MappingInput input, in RequestRecord record, byte[] scratch)
    {
        MappingEvaluator.TryEvaluate(path, input, record, scratch, out int length);
        var value = scratch.AsSpan(0, length);
        if (value.IsEmpty || value[0] != (byte)'/')
        {
            writer.WriteByte((byte)'/');
        }

        // A value built from headers or the query could climb out of the backend's prefix: its dots are then encoded.
        bool encodeDots = PathRules.HasDotSegment(value);
        foreach (byte b in value)
        {
            if (b <= 0x20 || b >= 0x80 || PathUnsafe.Contains(b) || (encodeDots && b == (byte)'.'))
            {
                WriteEncoded(ref writer, b);
            }
            else
            {
                writer.WriteByte(b);
            }
        }
    }

    /// <summary>The client's query without the removed and overwritten names, then the mapped names.</summary>
    public static void WriteQuery(ref BufferWriter<PipeWriter> writer, RequestMapping mapping, scoped MappingInput input, in RequestRecord record, byte[] scratch)
    {
        bool any = false;
        foreach (var pair in new QueryPairs(input.Query))
        {
            if (mapping.DropsQueryString(pair.Name))
            {
                continue;
            }

            writer.WriteByte(any ? (byte)'&' : (byte)'?');
            writer.Write(pair.Raw);
            any = true;
        }

        foreach (var operation in mapping.QueryStrings)
        {
            if (operation.Action == MappingAction.Remove)
            {
                continue;
            }

            MappingEvaluator.TryEvaluate(operation.Value, input, record, scratch, out int length);
            writer.WriteByte(any ? (byte)'&' : (byte)'?');
            writer.Write(operation.Name);
            writer.WriteByte((byte)'=');
            foreach (byte b in scratch.AsSpan(0, length))
            {
                if (b <= 0x20 || b >= 0x80 || QueryUnsafe.Contains(b))
                {
                    WriteEncoded(ref writer, b);
                }
                else
                {
                    writer.WriteByte(b);
                }
            }

            any = true;
        }
    }

    /// <summary>The overwritten and appended headers (an empty value adds none).</summary>
    public static void WriteHeaders(ref BufferWriter<PipeWriter> writer, RequestMapping mapping, scoped MappingInput input, in RequestRecord record, byte[] scratch)
        => WriteHeaders(ref writer, mapping.Headers.AsSpan(), input, record, scratch);

    public static void WriteHeaders<T>(ref BufferWriter<T> writer, ReadOnlySpan<MappingOperation> operations, scoped MappingInput input, in RequestRecord record, byte[] scratch)
        where T : IBufferWriter<byte>
    {
        foreach (var operation in operations)
        {
            if (operation.Action == MappingAction.Remove)
            {
                continue;
            }

            if (MappingEvaluator.TryEvaluate(operation.Value, input, record, scratch, out int length) && length > 0)
            {
                writer.WriteHeader(operation.Name, scratch.AsSpan(0, length));
            }
        }
    }

    private static void WriteEncoded(ref BufferWriter<PipeWriter> writer, byte b)
    {
        writer.WriteByte((byte)'%');
        writer.WriteByte((byte)"0123456789ABCDEF"[b >> 4]);
        writer.WriteByte((byte)"0123456789ABCDEF"[b & 0xF]);
    }
}
