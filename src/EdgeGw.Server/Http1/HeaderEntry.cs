using System.Text;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Server.Http1;

/// <summary>Where one header of a parsed head lives: offsets into the head bytes, plus its recognised kind.</summary>
internal struct HeaderEntry
{
    public KnownHeader Known;
    public bool IsDate;
    public int NameOffset;
    public int NameLength;
    public int ValueOffset;
    public int ValueLength;

    public readonly ReadOnlySpan<byte> Name(ReadOnlySpan<byte> head) => head.Slice(NameOffset, NameLength);
    public readonly ReadOnlySpan<byte> Value(ReadOnlySpan<byte> head) => head.Slice(ValueOffset, ValueLength);
}

/// <summary>Records header offsets while the parser walks a head. Sized by the scanner's header count limit.</summary>
internal struct HeaderCollector : IHttpHeadersHandler
{
    public HeaderEntry[] Entries;
    public int Count;

    public HeaderCollector(HeaderEntry[] entries)
    {
        Entries = entries;
        Count = 0;
    }

    public void OnHeader(in HeaderLine header)
    {
        if ((uint)Count >= (uint)Entries.Length)
        {
            // The scanner bounds the count; a head bigger than the array is a caller bug, not client input.
            throw new InvalidOperationException("Header table too small for the configured header count limit.");
        }

        Entries[Count++] = new HeaderEntry
        {
            Known = header.Known,
            IsDate = header.Name.Length == 4 && Ascii.EqualsIgnoreCase(header.Name, "date"u8),
            NameOffset = header.NameOffset,
            NameLength = header.Name.Length,
            ValueOffset = header.ValueOffset,
            ValueLength = header.Value.Length,
        };
    }
}

/// <summary>Header names listed in a Connection header, which are hop-by-hop for that message (RFC 9110 §7.6.1).</summary>
internal static class ConnectionOptions
{
    public static bool Names(ReadOnlySpan<byte> head, ReadOnlySpan<HeaderEntry> headers, ReadOnlySpan<byte> name)
    {
        foreach (ref readonly var entry in headers)
        {
            if (entry.Known != KnownHeader.Connection)
            {
                continue;
            }

            foreach (var token in new FieldListEnumerator(entry.Value(head)))
            {
                if (Ascii.EqualsIgnoreCase(token, name))
                {
                    return true;
                }
            }
        }

        return false;
    }
}

/// <summary>Rejects paths with dot segments, raw or percent-encoded: a captured <c>{proxy}</c> must not climb out of its prefix upstream.</summary>
internal static class PathRules
{
    public static bool HasDotSegment(ReadOnlySpan<byte> path)
    {
        while (!path.IsEmpty)
        {
            if (path[0] == '/')
            {
                path = path[1..];
                continue;
            }

            int end = path.IndexOf((byte)'/');
            var segment = end < 0 ? path : path[..end];
            if (IsDots(segment))
            {
                return true;
            }

            path = end < 0 ? default : path[end..];
        }

        return false;
    }

    private static bool IsDots(ReadOnlySpan<byte> segment)
    {
        int dots = 0;
        while (!segment.IsEmpty)
        {
            if (segment[0] == '.')
            {
                segment = segment[1..];
            }
            else if (segment.Length >= 3 && segment[0] == '%' && segment[1] == '2' && (segment[2] | 0x20) == 'e')
            {
                segment = segment[3..];
            }
            else
            {
                return false;
            }

            if (++dots > 2)
            {
                return false;
            }
        }

        return dots > 0;
    }
}

/// <summary>
/// Header tables for requests in flight. A connection takes one per request and gives it back when the request
/// ends, so an idle keep-alive connection holds none. <see cref="System.Buffers.ArrayPool{T}.Shared"/> keeps only a
/// few arrays per core, so with hundreds of requests in flight it allocated a table per request; this pool is
/// lock-free, holds up to <see cref="Capacity"/> tables (20 bytes × 256 entries each) and lets the rest go.
/// </summary>
internal static class HeaderTables
{
    /// <summary>Entries per table: the larger of the upstream response limit and typical request limits.</summary>
    public const int DefaultLength = 256;

    private const int Capacity = 2048;
    private static readonly System.Collections.Concurrent.ConcurrentQueue<HeaderEntry[]> Pool = new();
    private static int s_pooled;

    public static HeaderEntry[] Rent(int minimumLength)
    {
        while (Pool.TryDequeue(out var table))
        {
            Interlocked.Decrement(ref s_pooled);
            if (table.Length >= minimumLength)
            {
                return table;
            }

            // Sized for a smaller limit before a reload: let it go.
        }

        return new HeaderEntry[Math.Max(minimumLength, DefaultLength)];
    }

    public static void Return(HeaderEntry[] table)
    {
        if (Interlocked.Increment(ref s_pooled) <= Capacity)
        {
            Pool.Enqueue(table);
        }
        else
        {
            Interlocked.Decrement(ref s_pooled);
        }
    }
}
