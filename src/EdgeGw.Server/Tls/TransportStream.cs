using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using EdgeGw.Server.Infrastructure;

namespace EdgeGw.Server.Tls;

/// <summary>
/// The connection's transport pipe as the <see cref="Stream"/> an <see cref="System.Net.Security.SslStream"/>
/// reads records from and writes them to. Zero-byte reads pass through (an idle TLS connection then holds no
/// decrypt buffer), every write is flushed (SslStream writes whole records), and during the handshake the
/// bytes read are bounded so that a huge or endless ClientHello fails fast. A read hands out at most the rest of the
/// current TLS record, so the SslStream never buffers the start of the next one and
/// <see cref="TlsPipe"/>'s pump knows, from the transport alone, when a read of the SslStream completes at once.
/// </summary>
internal sealed class TransportStream : Stream
{
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private long _handshakeBudget;
    private int _recordLeft; // bytes of the current record not yet handed out (0: the next read starts a record)

    public TransportStream(IDuplexPipe transport, long handshakeBudget)
    {
        _input = transport.Input;
        _output = transport.Output;
        _handshakeBudget = handshakeBudget;
    }

    /// <summary>The client sent more than the handshake budget before the handshake completed.</summary>
    public bool HandshakeTooLarge { get; private set; }

    /// <summary>The client closed its side (a read found the end of the stream).</summary>
    public bool ClientClosed { get; private set; }

    /// <summary>The handshake completed: reads are no longer counted.</summary>
    public void HandshakeDone() => _handshakeBudget = long.MaxValue;

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var result = await _input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var data = result.Buffer;
            if (data.IsEmpty)
            {
                _input.AdvanceTo(data.End);
                if (result.IsCompleted)
                {
                    ClientClosed = true;
                    return 0;
                }

                if (result.IsCanceled)
                {
                    throw new OperationCanceledException();
                }

                continue;
            }

            if (buffer.IsEmpty)
            {
                // A zero-byte read: data is there, nothing consumed.
                _input.AdvanceTo(data.Start);
                return 0;
            }

            int count = (int)Math.Min(data.Length, buffer.Length);
            // One record at a time from the first: the handshake then ends with nothing of the client's next record
            // (often in the same segment as its Finished) held inside the SslStream, where the pump would not see it.
            {
                if (_recordLeft == 0)
                {
                    if (data.Length < 5 && !result.IsCompleted)
                    {
                        _input.AdvanceTo(data.Start, data.End); // wait for a whole record header
                        continue;
                    }

                    _recordLeft = data.Length < 5 ? count : TlsPipe.RecordLength(data);
                }

                count = Math.Min(count, _recordLeft);
                _recordLeft -= count;
            }

            if (_handshakeBudget != long.MaxValue)
            {
                _handshakeBudget -= count;
                if (_handshakeBudget < 0)
                {
                    _input.AdvanceTo(data.End);
                    HandshakeTooLarge = true;
                    throw new IOException("the TLS handshake exceeded its size limit");
                }
            }

            data.Slice(0, count).CopyTo(buffer.Span);
            _input.AdvanceTo(data.GetPosition(count));
            return count;
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var flush = _output.WriteAsync(buffer, cancellationToken);
        if (flush.IsCompletedSuccessfully)
        {
            return Check(flush.Result);
        }

        return AwaitFlush(flush);
    }

    private async ValueTask AwaitFlush(ValueTask<FlushResult> flush) => await Check(await flush.ConfigureAwait(false)).ConfigureAwait(false);

    private static ValueTask Check(FlushResult result) =>
        result.IsCanceled ? ValueTask.FromException(new OperationCanceledException())
        : result.IsCompleted ? ValueTask.FromException(new IOException("the connection was closed"))
        : default;

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
