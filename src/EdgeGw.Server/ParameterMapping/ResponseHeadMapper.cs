using System.IO.Pipelines;
using EdgeGw.Core.Observability;
using EdgeGw.Core.ParameterMapping;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Protocols.Http1;
using System.Runtime.CompilerServices;
using EdgeGw.Server.Infrastructure;

namespace EdgeGw.Server.ParameterMapping;

/// <summary>
/// <c>responseParameters</c> on a stored head (a cache hit replays the backend's head as it came): the mapped
/// status line, the stored header lines the mapping does not drop, and the mapping's own header lines with
/// <c>$response.header.*</c> read from the stored head — what <c>ResponseRelay</c> does to a live backend head.
/// </summary>
public static class ResponseHeadMapper
{
    /// <summary>Header lines a stored head may have for <c>$response.header.*</c> lookups; later ones are not seen.</summary>
    private const int MaxStoredHeaders = 64;

    public static void WriteStatusLine(ref BufferWriter<PipeWriter> writer, ReadOnlySpan<byte> head, StatusMapping? mapping)
    {
        if (mapping is { NewStatus: > 0 })
        {
            writer.Write(StatusLines.For(mapping.NewStatus));
        }
        else
        {
            writer.Write(head[..StoredHead.LinesStart(head)]);
        }
    }

    /// <summary>The status line and the header lines <paramref name="mapping"/> keeps.</summary>
    public static void WriteMappedHead(ref BufferWriter<PipeWriter> writer, ReadOnlySpan<byte> head, StatusMapping mapping)
    {
        WriteStatusLine(ref writer, head, mapping);
        for (var lines = head[StoredHead.LinesStart(head)..]; !lines.IsEmpty;)
        {
            var line = StoredHead.NextLine(ref lines, out var name, out _);
            if (!mapping.DropsHeader(name))
            {
                writer.Write(line);
            }
        }
    }

    /// <summary>The mapping's overwritten and appended header lines, their values evaluated against the stored head.</summary>
    public static void WriteHeaders(ref BufferWriter<PipeWriter> writer, ReadOnlySpan<byte> head, StatusMapping mapping, in RequestRecord record)
    {
        if (mapping.Headers.IsEmpty)
        {
            return;
        }

        Span<HeaderEntry> entries = stackalloc HeaderEntry[MaxStoredHeaders];
        int count = 0;
        int offset = StoredHead.LinesStart(head);
        for (var lines = head[offset..]; !lines.IsEmpty && count < entries.Length;)
        {
            int lineStart = head.Length - lines.Length;
            var line = StoredHead.NextLine(ref lines, out var name, out var value);
            if (name.IsEmpty)
            {
                continue;
            }

            // Offsets into the head: the name starts the line; the value is where the trimmed slice lies in it.
            int valueOffset = value.IsEmpty ? lineStart + name.Length + 1 : lineStart + (int)Unsafe.ByteOffset(ref System.Runtime.InteropServices.MemoryMarshal.GetReference(line), ref System.Runtime.InteropServices.MemoryMarshal.GetReference(value));
            entries[count++] = new HeaderEntry { NameOffset = lineStart, NameLength = name.Length, ValueOffset = valueOffset, ValueLength = value.Length };
        }

        var scratch = RequestMapper.Rent();
        var input = new MappingInput { Head = head, Headers = entries[..count] };
        RequestMapper.WriteHeaders(ref writer, mapping.Headers.AsSpan(), input, record, scratch);
        RequestMapper.Return(scratch);
    }
}
