using System.Buffers;
using System.IO.Compression;
using System.IO.Pipelines;
using EdgeGw.Core.Compression;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Forwarding;
using EdgeGw.Server.Http1;

namespace EdgeGw.Server.Compression;

/// <summary>
/// Response compression of one client connection (created on its first request to a compressing route):
/// the request's Accept-Encoding is negotiated while its head is still buffered (<see cref="Negotiate"/>), then
/// the relay asks it about the response head (<see cref="Begin"/>), lets it rewrite the framing headers and add
/// <c>Content-Encoding</c>/<c>Vary</c>, and frames the body through it: the de-framed upstream body goes into
/// a Brotli or zlib encoder and comes out as chunks (or raw to an HTTP/1.0 client, ended by closing). One
/// encoder at a time per connection, created for a compressed response and released at its end, so an idle
/// connection holds none and a busy one at most one encoder's state plus a 16 KiB scratch buffer.
/// </summary>
internal sealed partial class ResponseCompressor : IBodyObserver
{
    /// <summary>Brotli window (log2): 256 KiB, bounding the encoder's ring buffer (its default, 22, is 4 MiB).</summary>
    internal const int BrotliWindow = 18;
    private const int ScratchBytes = 16 * 1024;

    private readonly ClientConnection _connection;
    private readonly ClientRequest _request;
    private readonly ClientResponder _responder;
    private readonly ChunkSink _sink;
    private CompressionPolicy? _policy;
    private ContentCoding _coding;
    /// <summary>This response is compressed (set by <see cref="Begin"/>).</summary>
    private bool _active;
    /// <summary>This response gets <c>Vary: Accept-Encoding</c> from the gateway.</summary>
    private bool _vary;
    private bool _chunked;
    private BrotliEncoder _brotli;
    private GZipStream? _gzip;
    private ZLibCompressionOptions? _gzipOptions;
    private byte[]? _scratch;
    private IBodyObserver? _inner;

    public ResponseCompressor(ClientConnection connection, ClientRequest request, ClientResponder responder)
    {
        _connection = connection;
        _request = request;
        _responder = responder;
        _sink = new ChunkSink(this);
    }

    /// <summary>The coding negotiated for the current request (identity for HEAD or when the client accepts neither).</summary>
    public ContentCoding Coding => _coding;

    /// <summary>Reads the request's Accept-Encoding (every such header) for the route's policy; returns this.</summary>
    public ResponseCompressor Negotiate(CompressionPolicy policy)
    {
        _policy = policy;
        _active = false;
        _vary = false;
        var accept = new AcceptEncoding();
        var head = _request.Span;
        foreach (ref readonly var entry in _request.Headers)
        {
            if (entry.NameLength == 15 && System.Text.Ascii.EqualsIgnoreCase(entry.Name(head), "accept-encoding"u8))
            {
                accept.Add(entry.Value(head));
            }
        }

        _coding = _request.IsHead ? ContentCoding.Identity : accept.Choose(policy.Brotli, policy.Gzip);
        return this;
    }

    /// <summary>
    /// Decides for the upstream's response head: returns this when the gateway writes anything for it (Vary,
    /// and when compressing also the coding and framing), else null. A compressed body goes to an HTTP/1.1
    /// client chunked (<paramref name="clientChunked"/> set), to an HTTP/1.0 client ended by closing.
    /// </summary>
    public ResponseCompressor? Begin(UpstreamResponse response, ref bool clientChunked)
    {
        var policy = _policy!;
        var head = response.Span;
        var facts = new ResponseFacts();
        foreach (ref readonly var entry in response.Headers)
        {
            facts.Observe(policy, entry.Name(head), entry.Value(head));
        }

        ref readonly var parsed = ref response.Head;
        // A HEAD answer has no body but describes the GET one: its Content-Length header still decides.
        long length = parsed.Body == BodyKind.ContentLength ? parsed.ContentLength : facts.DeclaredLength;
        if (!facts.Eligible(policy, parsed.StatusCode, length))
        {
            return null;
        }

        _vary = !facts.VariesOnAcceptEncoding;
        _active = _coding != ContentCoding.Identity && parsed.Body != BodyKind.None;
        if (_active)
        {
            _chunked = _request.Head.Version == HttpVersion.Http11;
            clientChunked = _chunked;
            if (!_chunked)
            {
                _responder.KeepAlive = false;
            }

            Start();
        }

        return _active || _vary ? this : null;
    }

    /// <summary>
    /// An upstream header on its way to the client: true when this type wrote (or dropped) it. A compressed
    /// response loses its Content-Length (the length changes) and has a strong ETag weakened (the bytes change,
    /// the content does not), as nginx does; an ETag that is not a quoted entity tag is dropped.
    /// </summary>
    public bool WritesHeader(ref BufferWriter<PipeWriter> writer, in HeaderEntry entry, ReadOnlySpan<byte> head)
    {
        if (!_active)
        {
            return false;
        }

        if (entry.Known == KnownHeader.ContentLength)
        {
            return true;
        }

        if (entry.NameLength == 4 && System.Text.Ascii.EqualsIgnoreCase(entry.Name(head), "etag"u8))
        {
            WriteWeakETag(ref writer, entry.Name(head), entry.Value(head));
            return true;
        }

        return false;
    }

    internal static void WriteWeakETag<T>(ref BufferWriter<T> writer, scoped ReadOnlySpan<byte> name, scoped ReadOnlySpan<byte> value)
        where T : IBufferWriter<byte>
    {
        if (value.StartsWith("W/"u8))
        {
            writer.WriteHeader(name, value);
        }
        else if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
        {
            writer.Write(name);
            writer.Write(": W/"u8);
            writer.Write(value);
            writer.Write("\r\n"u8);
        }
    }

    /// <summary>The gateway's own headers for this response: the coding and Vary.</summary>
    public void WriteHeaders(ref BufferWriter<PipeWriter> writer)
    {
        if (_active)
        {
            writer.Write(_coding == ContentCoding.Brotli ? "Content-Encoding: br\r\n"u8 : "Content-Encoding: gzip\r\n"u8);
        }

        if (_vary)
        {
            writer.Write("Vary: Accept-Encoding\r\n"u8);
        }
    }

    /// <summary>
    /// Frames one read of the upstream body (nothing is written by the framer itself): the de-framed data goes to
    /// <paramref name="observer"/> as it is, and compressed to the client; at the end the encoder is finished.
    /// </summary>
    public BodyFrameStatus Frame(ref BodyFramer framer, in ReadOnlySequence<byte> input, bool inputCompleted, IBodyObserver? observer, out SequencePosition consumed)
    {
        if (!_active)
        {
            // Only Vary is the gateway's here: the body goes out as it came.
            return framer.Frame(input, inputCompleted, _responder.Output, observer, out consumed);
        }

        _inner = observer;
        var status = framer.Frame<PipeWriter>(input, inputCompleted, null, this, out consumed);
        if (status == BodyFrameStatus.Complete)
        {
            Finish();
        }

        return status;
    }

    /// <summary>The upstream paused: what the encoder holds goes out with the flush that follows (streams, SSE).</summary>
    public void FlushEncoder()
    {
        if (!_active)
        {
            return;
        }

        if (_coding == ContentCoding.Brotli)
        {
            var scratch = _scratch!;
            OperationStatus status;
            do
            {
                status = _brotli.Flush(scratch, out int written);
                WriteChunk(scratch.AsSpan(0, written));
            }
            while (status == OperationStatus.DestinationTooSmall);
        }
        else
        {
            _gzip!.Flush();
        }
    }

    /// <summary>The response ended (whole or not): the encoder's state and buffer go back.</summary>
    public void End()
    {
        if (!_active)
        {
            return;
        }

        _active = false;
        _inner = null;
        ReleaseEncoder();
    }

    void IBodyObserver.OnBodyData(in ReadOnlySequence<byte> data)
    {
        _inner?.OnBodyData(data);
        foreach (var segment in data)
        {
            Compress(segment.Span);
        }
    }

    private void Start()
    {
        var policy = _policy!;
        if (_coding == ContentCoding.Brotli)
        {
            _brotli = new BrotliEncoder(policy.BrotliLevel, BrotliWindow);
            _scratch = ArrayPool<byte>.Shared.Rent(ScratchBytes);
        }
        else
        {
            if (_gzipOptions is null || _gzipOptions.CompressionLevel != policy.GzipLevel)
            {
                _gzipOptions = new ZLibCompressionOptions { CompressionLevel = policy.GzipLevel };
            }

            _gzip = new GZipStream(_sink, _gzipOptions, leaveOpen: true);
        }
    }

    private void Compress(ReadOnlySpan<byte> source)
    {
        if (source.IsEmpty)
        {
            return;
        }

        if (_coding != ContentCoding.Brotli)
        {
            _gzip!.Write(source);
            return;
        }

        var scratch = _scratch!;
        while (!source.IsEmpty)
        {
            var status = _brotli.Compress(source, scratch, out int read, out int written, isFinalBlock: false);
            WriteChunk(scratch.AsSpan(0, written));
            source = source[read..];
            if (status is OperationStatus.InvalidData)
            {
                throw new InvalidOperationException("Brotli encoder failed.");
            }
        }
    }

    private void Finish()
    {
        if (_coding == ContentCoding.Brotli)
        {
            var scratch = _scratch!;
            OperationStatus status;
            do
            {
                status = _brotli.Compress(default, scratch, out _, out int written, isFinalBlock: true);
                WriteChunk(scratch.AsSpan(0, written));
            }
            while (status == OperationStatus.DestinationTooSmall);
        }
        else
        {
            // Disposing writes the last deflate block and the gzip trailer to the sink.
            _gzip!.Dispose();
            _gzip = null;
        }

        if (_chunked)
        {
            var writer = new BufferWriter<PipeWriter>(_responder.Output);
            writer.Write("0\r\n\r\n"u8);
            writer.Commit();
        }
    }

    private void ReleaseEncoder()
    {
        if (_coding == ContentCoding.Brotli)
        {
            _brotli.Dispose();
            _brotli = default;
            if (_scratch is not null)
            {
                ArrayPool<byte>.Shared.Return(_scratch);
                _scratch = null;
            }
        }
        else if (_gzip is not null)
        {
            // A body cut short: the encoder's state goes back without writing a trailer to the client.
            _sink.Discard = true;
            _gzip.Dispose();
            _sink.Discard = false;
            _gzip = null;
        }
    }

    /// <summary>Compressed bytes to the client: one chunk per piece (raw to an HTTP/1.0 client).</summary>
    private void WriteChunk(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return;
        }

        var writer = new BufferWriter<PipeWriter>(_responder.Output);
        if (_chunked)
        {
            writer.WriteHex(data.Length);
            writer.Write("\r\n"u8);
            writer.Write(data);
            writer.Write("\r\n"u8);
        }
        else
        {
            writer.Write(data);
        }

        writer.Commit();
    }

    /// <summary>The stream GZipStream writes into: each write becomes a chunk to the client.</summary>
    private sealed class ChunkSink(ResponseCompressor owner) : Stream
    {
        public bool Discard;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (!Discard)
            {
                owner.WriteChunk(buffer);
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
