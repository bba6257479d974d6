using System.IO.Pipelines;
using System.Text;
using EdgeGw.Core.Caching;
using EdgeGw.Core.Compression;
using EdgeGw.Core.Model;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Server.Infrastructure;

namespace EdgeGw.Server.Compression;

/// <summary>Responses whose body the gateway already holds whole: mock integrations and cache hits (compressed once per coding, see <see cref="StaticVariants"/>).</summary>
internal sealed partial class ResponseCompressor
{
    /// <summary>
    /// The mock's headers after the gateway's: with <c>Content-Encoding</c>/<c>Vary</c> when the mock qualifies.
    /// Returns the body to send (a compressed variant, or the mock's own) and its length goes in Content-Length.
    /// </summary>
    public ReadOnlySpan<byte> WriteMockHeaders(scoped ref BufferWriter<PipeWriter> writer, MockIntegrationModel mock)
    {
        var policy = _policy!;
        var facts = new ResponseFacts();
        foreach (var header in mock.Headers)
        {
            facts.Observe(policy, header.Name, header.Value);
        }

        ReadOnlySpan<byte> body = mock.Body;
        bool eligible = facts.Eligible(policy, mock.StatusCode, body.Length);
        byte[]? variant = eligible && _coding != ContentCoding.Identity ? StaticVariants.Get(mock, body, _coding, policy) : null;
        if (variant is not null)
        {
            body = variant;
        }

        WriteLength(ref writer, body.Length);
        foreach (var header in mock.Headers)
        {
            if (variant is not null && header.Name.Length == 4 && Ascii.EqualsIgnoreCase(header.Name, "etag"u8))
            {
                WriteWeakETag(ref writer, header.Name, header.Value);
                continue;
            }

            writer.WriteHeader(header.Name, header.Value);
        }

        WriteStaticHeaders(ref writer, eligible, variant is not null, facts.VariesOnAcceptEncoding);
        return body;
    }

    /// <summary>
    /// A cache hit's stored head (status line, headers, Content-Length), as is or rewritten for a compressed
    /// variant of the stored body; returns the body to send.
    /// </summary>
    /// <param name="mapping">The route's response parameters for the stored status (null: none): status replaced,
    /// dropped headers left out; the caller writes the mapping's own header lines.</param>
    public ReadOnlySpan<byte> WriteCachedHead(scoped ref BufferWriter<PipeWriter> writer, CacheEntry entry, Core.ParameterMapping.StatusMapping? mapping)
    {
        var policy = _policy!;
        var head = entry.Head;
        var facts = new ResponseFacts();
        int status = StoredHead.Status(head);
        for (var lines = head[StoredHead.LinesStart(head)..]; !lines.IsEmpty;)
        {
            var line = StoredHead.NextLine(ref lines, out var name, out var value);
            if (!line.IsEmpty)
            {
                facts.Observe(policy, name, value);
            }
        }

        ReadOnlySpan<byte> body = entry.Body;
        bool eligible = facts.Eligible(policy, status, _request.IsHead ? facts.DeclaredLength : body.Length);
        byte[]? variant = eligible && _coding != ContentCoding.Identity && !_request.IsHead ? StaticVariants.Get(entry, body, _coding, policy) : null;
        if (variant is null)
        {
            if (mapping is null)
            {
                writer.Write(head);
            }
            else
            {
                ParameterMapping.ResponseHeadMapper.WriteMappedHead(ref writer, head, mapping);
            }

            WriteStaticHeaders(ref writer, eligible, compressed: false, facts.VariesOnAcceptEncoding);
            return body;
        }

        int statusEnd = StoredHead.LinesStart(head);
        ParameterMapping.ResponseHeadMapper.WriteStatusLine(ref writer, head, mapping);
        for (var lines = head[statusEnd..]; !lines.IsEmpty;)
        {
            var line = StoredHead.NextLine(ref lines, out var name, out var value);
            if (mapping is not null && mapping.DropsHeader(name))
            {
                continue;
            }

            if (name.Length == 14 && Ascii.EqualsIgnoreCase(name, "content-length"u8))
            {
                continue;
            }

            if (name.Length == 4 && Ascii.EqualsIgnoreCase(name, "etag"u8))
            {
                WriteWeakETag(ref writer, name, value);
                continue;
            }

            writer.Write(line);
        }

        WriteLength(ref writer, variant.Length);
        WriteStaticHeaders(ref writer, eligible, compressed: true, facts.VariesOnAcceptEncoding);
        return variant;
    }

    private static void WriteLength(ref BufferWriter<PipeWriter> writer, int length)
    {
        writer.Write("Content-Length: "u8);
        writer.WriteNumber(length);
        writer.Write("\r\n"u8);
    }

    private void WriteStaticHeaders(ref BufferWriter<PipeWriter> writer, bool eligible, bool compressed, bool varies)
    {
        if (compressed)
        {
            writer.Write(_coding == ContentCoding.Brotli ? "Content-Encoding: br\r\n"u8 : "Content-Encoding: gzip\r\n"u8);
        }

        if (eligible && !varies)
        {
            writer.Write("Vary: Accept-Encoding\r\n"u8);
        }
    }
}
