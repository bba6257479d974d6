using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using EdgeGw.Transport;

namespace EdgeGw.Server.Tls;

/// <summary>
/// The decrypted side of a TLS connection as the pipe the HTTP loop reads and writes, over the
/// <see cref="SslStream"/>.
/// </summary>
/// <remarks>
/// <para>Reading: a pump (one task per connection, <see cref="PumpAsync"/>) waits on the transport itself and calls
/// <see cref="SslStream.ReadAsync(Memory{byte}, CancellationToken)"/> only once a whole TLS record is buffered,
/// while the <see cref="TransportStream"/> under the SslStream hands it one record at a time. So the SslStream's
/// read completes synchronously: its async state machines (<c>ReadAsyncInternal</c>, <c>EnsureFullTlsFrameAsync</c>)
/// and <see cref="StreamPipeReader"/>'s, which the framework pools one per thread, never suspend — they allocated
/// ~440 B per request on a keep-alive TLS connection when the SslStream did the waiting (measured with
/// dotnet-trace's allocation ticks under wrk). The waiting is in the pump, whose one state machine lives as long as
/// the connection. The plaintext goes into a <see cref="Pipe"/> sized to the record (no SslStream-internal
/// leftovers), from the transport's pinned pool; an idle connection holds no block and no SslStream buffer.</para>
/// <para>Writing: a <see cref="StreamPipeWriter"/> over the SslStream (whole records, flushed by the HTTP loop).</para>
/// <para>Anything the record-at-a-time path does not cover (a non-data record such as a KeyUpdate followed by a
/// partial one) still works: the SslStream then waits inside <see cref="TransportStream"/>, as before.</para>
/// </remarks>
internal sealed class TlsPipe : IDuplexPipe
{
    private const int RecordHeader = 5;
    private const int MaxCiphertext = (16 * 1024) + 2048; // RFC 5246 6.2.3 (TLS 1.3's bound, + 256, is lower)

    // 4 KiB blocks as the transport's: a small response is one block, one TLS record, one write.
    private static readonly StreamPipeWriterOptions WriterOptions = new(PinnedBlockPool.Instance, PinnedBlockPool.BlockSize, leaveOpen: true);
    private static readonly PipeOptions DecryptedOptions = new(PinnedBlockPool.Instance, PipeScheduler.Inline, PipeScheduler.Inline,
        pauseWriterThreshold: 64 * 1024, resumeWriterThreshold: 32 * 1024, minimumSegmentSize: PinnedBlockPool.BlockSize, useSynchronizationContext: false);

    private readonly SslStream _ssl;
    private readonly PipeReader _transport;
    private readonly Pipe _decrypted = new(DecryptedOptions);
    private readonly Task _pump;

    public TlsPipe(SslStream ssl, IDuplexPipe transport)
    {
        _ssl = ssl;
        _transport = transport.Input;
        Output = PipeWriter.Create(ssl, WriterOptions);
        _pump = PumpAsync();
    }

    public PipeReader Input => _decrypted.Reader;
    public PipeWriter Output { get; }

    /// <summary>
    /// Stops the pump (the HTTP loop is done reading) and waits for it, so that the SslStream is no longer read
    /// when the caller shuts it down.
    /// </summary>
    public async ValueTask StopReadingAsync()
    {
        await _decrypted.Reader.CompleteAsync().ConfigureAwait(false);
        _transport.CancelPendingRead();
        await _pump.ConfigureAwait(false); // the pump never faults: it completes the pipe with the error instead
    }

    private async Task PumpAsync()
    {
        var writer = _decrypted.Writer;
        Exception? error = null;
        try
        {
            while (true)
            {
                var result = await _transport.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                int record = CompleteRecordLength(buffer);
                if (record == 0)
                {
                    if (result.IsCanceled || (result.IsCompleted && buffer.IsEmpty))
                    {
                        _transport.AdvanceTo(buffer.Start);
                        break; // stopped, or the client closed between records
                    }

                    if (!result.IsCompleted)
                    {
                        _transport.AdvanceTo(buffer.Start, buffer.End); // part of a record: wait for the rest
                        continue;
                    }

                    // The client closed mid-record: the SslStream reads the rest and reports the truncation.
                    record = (int)Math.Min(buffer.Length, int.MaxValue);
                }

                _transport.AdvanceTo(buffer.Start); // nothing consumed: the SslStream reads it through TransportStream
                bool ended = false;
                while (record > 0)
                {
                    // Room for the record's whole plaintext (shorter than the record), so the SslStream keeps none back.
                    var memory = writer.GetMemory(record);
                    int read = await _ssl.ReadAsync(memory).ConfigureAwait(false);
                    if (read == 0)
                    {
                        ended = true; // close_notify, or the end of the stream
                        break;
                    }

                    writer.Advance(read);
                    record = NextCompleteRecord();
                }

                var flush = await writer.FlushAsync().ConfigureAwait(false);
                if (ended || flush.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            error = e;
        }

        await writer.CompleteAsync(error).ConfigureAwait(false);
    }

    /// <summary>Another whole record already buffered on the transport: its length; 0 otherwise.</summary>
    private int NextCompleteRecord()
    {
        if (!_transport.TryRead(out var result))
        {
            return 0;
        }

        int record = CompleteRecordLength(result.Buffer);
        _transport.AdvanceTo(result.Buffer.Start);
        return record;
    }

    /// <summary>
    /// The length (header included) of the record at the start of <paramref name="buffer"/> when all of it is there;
    /// else 0. A header that no TLS record has (content type, version, a length beyond RFC 8446's and 5246's bounds)
    /// gives all that is buffered, so that the SslStream sees it at once and fails the connection.
    /// </summary>
    internal static int CompleteRecordLength(in ReadOnlySequence<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        Span<byte> header = stackalloc byte[RecordHeader];
        int have = (int)Math.Min(buffer.Length, RecordHeader);
        buffer.Slice(0, have).CopyTo(header);
        int all = (int)Math.Min(buffer.Length, int.MaxValue);
        if (header[0] is < 20 or > 24 || (have > 1 && header[1] != 3))
        {
            return all;
        }

        if (have < RecordHeader)
        {
            return 0;
        }

        int length = (header[3] << 8) | header[4];
        if (length > MaxCiphertext)
        {
            return all;
        }

        return buffer.Length >= RecordHeader + length ? RecordHeader + length : 0;
    }

    /// <summary>The length (header included) of the record whose header starts <paramref name="buffer"/> (at least 5 bytes).</summary>
    internal static int RecordLength(in ReadOnlySequence<byte> buffer)
    {
        Span<byte> header = stackalloc byte[RecordHeader];
        buffer.Slice(0, RecordHeader).CopyTo(header);
        return RecordHeader + ((header[3] << 8) | header[4]);
    }
}
