using System.Text;

namespace EdgeGw.Server.FunctionalTests.Infrastructure;

/// <summary>
/// A small buffered reader over a socket stream that understands just enough HTTP/1.1 framing for tests:
/// heads up to CRLFCRLF, Content-Length and chunked bodies, read-to-EOF.
/// </summary>
public sealed class WireReader
{
    private readonly Stream _stream;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    public WireReader(Stream stream) => _stream = stream;

    /// <summary>True once the peer closed its side and everything buffered was consumed.</summary>
    public bool AtEof { get; private set; }

    private int Buffered => _end - _start;

    private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (AtEof)
        {
            return false;
        }

        if (_start > 0 && _start == _end)
        {
            _start = _end = 0;
        }

        if (_end == _buffer.Length)
        {
            if (_start == 0)
            {
                throw new InvalidOperationException("Test reader buffer full (head too large).");
            }

            Buffer.BlockCopy(_buffer, _start, _buffer, 0, Buffered);
            _end -= _start;
            _start = 0;
        }

        int read;
        try
        {
            read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // Reset by peer counts as closed for the tests' purposes.
            read = 0;
        }

        if (read == 0)
        {
            AtEof = true;
            return false;
        }

        _end += read;
        return true;
    }

    /// <summary>Reads a head through its CRLFCRLF. Returns null on EOF before any byte; throws on EOF mid-head.</summary>
    public async Task<string?> ReadHeadAsync(CancellationToken cancellationToken)
    {
        int searched = 0;
        while (true)
        {
            var span = _buffer.AsSpan(_start, Buffered);
            int index = span[Math.Max(0, searched - 3)..].IndexOf("\r\n\r\n"u8);
            if (index >= 0)
            {
                int length = Math.Max(0, searched - 3) + index + 4;
                string head = Encoding.Latin1.GetString(_buffer, _start, length);
                _start += length;
                return head;
            }

            searched = Buffered;
            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                if (Buffered == 0)
                {
                    return null;
                }

                throw new EndOfStreamException("EOF inside a message head: " + Encoding.Latin1.GetString(_buffer, _start, Buffered));
            }
        }
    }

    public async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        int searched = 0;
        while (true)
        {
            var span = _buffer.AsSpan(_start, Buffered);
            int index = span[Math.Max(0, searched - 1)..].IndexOf("\r\n"u8);
            if (index >= 0)
            {
                int length = Math.Max(0, searched - 1) + index;
                string line = Encoding.Latin1.GetString(_buffer, _start, length);
                _start += length + 2;
                return line;
            }

            searched = Buffered;
            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new EndOfStreamException("EOF inside a line.");
            }
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes; null on EOF before the first, throws on EOF inside.</summary>
    public async Task<byte[]?> ReadExactlyOrEofAsync(int count, CancellationToken cancellationToken)
    {
        if (Buffered == 0 && !await FillAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var result = new byte[count];
        int filled = 0;
        await ReadExactAsync(count, piece =>
        {
            piece.Span.CopyTo(result.AsSpan(filled));
            filled += piece.Length;
        }, cancellationToken).ConfigureAwait(false);
        return result;
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes, handing them to <paramref name="sink"/> piece by piece.</summary>
    public async Task ReadExactAsync(long count, Action<ReadOnlyMemory<byte>> sink, CancellationToken cancellationToken)
    {
        while (count > 0)
        {
            if (Buffered == 0 && !await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new EndOfStreamException($"EOF with {count} body bytes outstanding.");
            }

            int take = (int)Math.Min(count, Buffered);
            sink(_buffer.AsMemory(_start, take));
            _start += take;
            count -= take;
        }
    }

    /// <summary>Decodes a chunked body (extensions ignored, trailers skipped) into <paramref name="sink"/>.</summary>
    public async Task ReadChunkedAsync(Action<ReadOnlyMemory<byte>> sink, CancellationToken cancellationToken)
    {
        while (true)
        {
            string sizeLine = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            int semicolon = sizeLine.IndexOf(';', StringComparison.Ordinal);
            string hex = (semicolon < 0 ? sizeLine : sizeLine[..semicolon]).Trim();
            long size = Convert.ToInt64(hex, 16);
            if (size == 0)
            {
                while ((await ReadLineAsync(cancellationToken).ConfigureAwait(false)).Length > 0)
                {
                }

                return;
            }

            await ReadExactAsync(size, sink, cancellationToken).ConfigureAwait(false);
            string crlf = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (crlf.Length != 0)
            {
                throw new InvalidDataException("Chunk data not followed by CRLF.");
            }
        }
    }

    public async Task ReadToEndAsync(Action<ReadOnlyMemory<byte>> sink, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (Buffered > 0)
            {
                sink(_buffer.AsMemory(_start, Buffered));
                _start = _end;
            }

            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                return;
            }
        }
    }

    /// <summary>Waits until the peer closes (returns true) or sends more bytes (returns false).</summary>
    public async Task<bool> WaitForEofAsync(CancellationToken cancellationToken)
    {
        if (Buffered > 0)
        {
            return false;
        }

        return !await FillAsync(cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>A parsed message head: start line and headers in order.</summary>
public sealed class WireHead
{
    public required string StartLine { get; init; }
    public required List<KeyValuePair<string, string>> Headers { get; init; }

    public static WireHead Parse(string head)
    {
        var lines = head.Split("\r\n");
        var headers = new List<KeyValuePair<string, string>>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }

            int colon = lines[i].IndexOf(':', StringComparison.Ordinal);
            headers.Add(new(lines[i][..colon], lines[i][(colon + 1)..].Trim()));
        }

        return new WireHead { StartLine = lines[0], Headers = headers };
    }

    public string? Get(string name) => Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    public IEnumerable<string> GetAll(string name) =>
        Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value);

    public bool Has(string name) => Headers.Any(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase));

    public bool IsChunked => Get("Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true;

    public long? ContentLength => Get("Content-Length") is { } value ? long.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>Connection header tokens, lower-cased.</summary>
    public bool ConnectionHas(string token) =>
        GetAll("Connection").SelectMany(v => v.Split(',')).Any(t => string.Equals(t.Trim(), token, StringComparison.OrdinalIgnoreCase));
}
