using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Core.Iam;

/// <summary>The canonical request written into the hash: URI, query, headers, and the buffered hash writer.</summary>
public sealed partial class SigV4Verifier
{
    /// <summary>The path, normalised (empty and <c>.</c> segments dropped, <c>..</c> applied), each segment URI-encoded.</summary>
    internal static void WriteCanonicalUri(ref HashWriter writer, ReadOnlySpan<byte> path)
    {
        int maxSegments = path.Length / 2 + 1;
        int[]? rented = null;
        Span<int> segments = maxSegments <= 128 ? stackalloc int[256] : (rented = ArrayPool<int>.Shared.Rent(maxSegments * 2));
        int count = 0;
        int start = 0;
        while (start <= path.Length)
        {
            int slash = path[start..].IndexOf((byte)'/');
            int end = slash < 0 ? path.Length : start + slash;
            var segment = path[start..end];
            if (segment.SequenceEqual(".."u8))
            {
                if (count > 0)
                {
                    count--;
                }
            }
            else if (!segment.IsEmpty && !segment.SequenceEqual("."u8))
            {
                segments[count * 2] = start;
                segments[count * 2 + 1] = end - start;
                count++;
            }

            start = end + 1;
        }

        writer.Append((byte)'/');
        for (int i = 0; i < count; i++)
        {
            if (i > 0)
            {
                writer.Append((byte)'/');
            }

            WriteEncoded(ref writer, path.Slice(segments[i * 2], segments[i * 2 + 1]));
        }

        if (count > 0 && path.Length > 0 && path[^1] == (byte)'/')
        {
            writer.Append((byte)'/');
        }

        if (rented is not null)
        {
            ArrayPool<int>.Shared.Return(rented);
        }
    }

    private static void WriteEncoded(ref HashWriter writer, ReadOnlySpan<byte> value)
    {
        while (!value.IsEmpty)
        {
            int reserved = value.IndexOfAnyExcept(Unreserved);
            if (reserved < 0)
            {
                writer.Append(value);
                return;
            }

            writer.Append(value[..reserved]);
            writer.AppendEncoded(value[reserved]);
            value = value[(reserved + 1)..];
        }
    }

    /// <summary>
    /// The query's pairs, each name and value percent-decoded then URI-encoded (only unreserved bytes stay as they
    /// are), sorted by name then value, joined as <c>name=value&amp;...</c>; a presigned URL's own signature left out.
    /// </summary>
    private static void WriteCanonicalQuery(ref HashWriter writer, ReadOnlySpan<byte> query, bool presigned)
    {
        if (query.IsEmpty)
        {
            return;
        }

        int maxPairs = query.Count((byte)'&') + 1;
        byte[]? rentedBytes = null;
        int[]? rentedInts = null;
        // Re-encoding at most triples a byte; each pair has name start, name length, value start, value length, and a place in the order.
        Span<byte> scratch = query.Length <= 256 ? stackalloc byte[768] : (rentedBytes = ArrayPool<byte>.Shared.Rent(query.Length * 3));
        Span<int> pairs = maxPairs <= 32 ? stackalloc int[160] : (rentedInts = ArrayPool<int>.Shared.Rent(maxPairs * 5));
        var order = pairs.Slice(maxPairs * 4, maxPairs);
        int count = 0;
        int used = 0;
        var rest = query;
        while (true)
        {
            int amp = rest.IndexOf((byte)'&');
            var pair = amp < 0 ? rest : rest[..amp];
            if (!pair.IsEmpty)
            {
                int eq = pair.IndexOf((byte)'=');
                var name = eq < 0 ? pair : pair[..eq];
                var value = eq < 0 ? default : pair[(eq + 1)..];
                if (!(presigned && name.SequenceEqual("X-Amz-Signature"u8)))
                {
                    pairs[count * 4] = used;
                    used += Reencode(name, scratch[used..]);
                    pairs[count * 4 + 1] = used - pairs[count * 4];
                    pairs[count * 4 + 2] = used;
                    used += Reencode(value, scratch[used..]);
                    pairs[count * 4 + 3] = used - pairs[count * 4 + 2];
                    order[count] = count;
                    count++;
                }
            }

            if (amp < 0)
            {
                break;
            }

            rest = rest[(amp + 1)..];
        }

        var table = new PairTable(scratch, pairs);
        HeapSort(order[..count], table);
        for (int i = 0; i < count; i++)
        {
            if (i > 0)
            {
                writer.Append((byte)'&');
            }

            int p = order[i];
            writer.Append(table.Name(p));
            writer.Append((byte)'=');
            writer.Append(table.Value(p));
        }

        if (rentedBytes is not null)
        {
            ArrayPool<byte>.Shared.Return(rentedBytes);
        }

        if (rentedInts is not null)
        {
            ArrayPool<int>.Shared.Return(rentedInts);
        }
    }

    private static int Reencode(ReadOnlySpan<byte> value, Span<byte> output)
    {
        int n = 0;
        for (int i = 0; i < value.Length; i++)
        {
            byte b = value[i];
            if (b == (byte)'%' && i + 2 < value.Length && HexValue(value[i + 1]) is int hi and >= 0 && HexValue(value[i + 2]) is int lo and >= 0)
            {
                b = (byte)(hi << 4 | lo);
                i += 2;
            }

            if (Unreserved.Contains(b))
            {
                output[n++] = b;
            }
            else
            {
                output[n] = (byte)'%';
                output[n + 1] = HexUpper[b >> 4];
                output[n + 2] = HexUpper[b & 15];
                n += 3;
            }
        }

        return n;
    }

    private readonly ref struct PairTable(ReadOnlySpan<byte> bytes, ReadOnlySpan<int> pairs)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private readonly ReadOnlySpan<int> _pairs = pairs;

        public ReadOnlySpan<byte> Name(int p) => _bytes.Slice(_pairs[p * 4], _pairs[p * 4 + 1]);

        public ReadOnlySpan<byte> Value(int p) => _bytes.Slice(_pairs[p * 4 + 2], _pairs[p * 4 + 3]);

        public int Compare(int a, int b)
        {
            int order = Name(a).SequenceCompareTo(Name(b));
            return order != 0 ? order : Value(a).SequenceCompareTo(Value(b));
        }
    }

    /// <summary>In place, O(n log n) whatever the input (a query of many pairs must not cost quadratic time before authentication).</summary>
    private static void HeapSort(Span<int> items, PairTable table)
    {
        int n = items.Length;
        for (int i = n / 2 - 1; i >= 0; i--)
        {
            SiftDown(items, i, n, table);
        }

        for (int end = n - 1; end > 0; end--)
        {
            (items[0], items[end]) = (items[end], items[0]);
            SiftDown(items, 0, end, table);
        }
    }

    private static void SiftDown(Span<int> items, int root, int count, PairTable table)
    {
        while (true)
        {
            int child = root * 2 + 1;
            if (child >= count)
            {
                return;
            }

            if (child + 1 < count && table.Compare(items[child], items[child + 1]) < 0)
            {
                child++;
            }

            if (table.Compare(items[root], items[child]) >= 0)
            {
                return;
            }

            (items[root], items[child]) = (items[child], items[root]);
            root = child;
        }
    }

    /// <summary>
    /// <c>name:value\n</c> for each signed header, in the signed order: every occurrence's value trimmed, inner runs of
    /// white space collapsed to one space, occurrences joined by commas.
    /// </summary>
    private static void WriteCanonicalHeaders(ref HashWriter writer, ReadOnlySpan<byte> head, ReadOnlySpan<HeaderEntry> headers, ReadOnlySpan<byte> signedHeaders)
    {
        foreach (var range in signedHeaders.Split((byte)';'))
        {
            var name = signedHeaders[range];
            writer.Append(name);
            writer.Append((byte)':');
            bool first = true;
            foreach (ref readonly var entry in headers)
            {
                if (entry.NameLength != name.Length || !Ascii.EqualsIgnoreCase(entry.Name(head), name))
                {
                    continue;
                }

                if (!first)
                {
                    writer.Append((byte)',');
                }

                first = false;
                WriteCollapsed(ref writer, entry.Value(head));
            }

            writer.Append((byte)'\n');
        }
    }

    private static void WriteCollapsed(ref HashWriter writer, ReadOnlySpan<byte> value)
    {
        bool pendingSpace = false;
        bool any = false;
        foreach (byte b in value)
        {
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                pendingSpace = any;
                continue;
            }

            if (pendingSpace)
            {
                writer.Append((byte)' ');
                pendingSpace = false;
            }

            writer.Append(b);
            any = true;
        }
    }

    /// <summary>Feeds bytes to the hash through a stack buffer, so small appends cost no call into the hash each.</summary>
    internal ref struct HashWriter
    {
        private readonly IncrementalHash _hash;
        private readonly IBufferWriter<byte>? _capture;
        private readonly Span<byte> _buffer;
        private int _length;

        public HashWriter(IncrementalHash hash, IBufferWriter<byte>? capture, Span<byte> buffer)
        {
            _hash = hash;
            _capture = capture;
            _buffer = buffer;
            _length = 0;
        }

        public void Append(byte b)
        {
            if (_length == _buffer.Length)
            {
                Flush();
            }

            _buffer[_length++] = b;
        }

        public void AppendEncoded(byte b)
        {
            if (_length + 3 > _buffer.Length)
            {
                Flush();
            }

            _buffer[_length] = (byte)'%';
            _buffer[_length + 1] = HexUpper[b >> 4];
            _buffer[_length + 2] = HexUpper[b & 15];
            _length += 3;
        }

        public void Append(scoped ReadOnlySpan<byte> bytes)
        {
            if (bytes.Length > _buffer.Length - _length)
            {
                Flush();
                if (bytes.Length > _buffer.Length)
                {
                    Write(bytes);
                    return;
                }
            }

            bytes.CopyTo(_buffer[_length..]);
            _length += bytes.Length;
        }

        public void Flush()
        {
            if (_length > 0)
            {
                Write(_buffer[.._length]);
                _length = 0;
            }
        }

        private readonly void Write(scoped ReadOnlySpan<byte> bytes)
        {
            _hash.AppendData(bytes);
            _capture?.Write(bytes);
        }
    }
}
