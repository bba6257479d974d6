using System.Buffers;
using System.IO.Pipelines;

namespace EdgeGw.Core.Upstream;

/// <summary>
/// A <see cref="Stream"/> over a transport's pipes, for <see cref="System.Net.Security.SslStream"/> on the epoll
/// transport (the sockets transport hands SslStream a <see cref="System.Net.Sockets.NetworkStream"/> instead).
/// Zero-byte reads wait for data without taking a buffer. Disposing it disposes the transport connection.
/// </summary>
internal sealed class DuplexPipeStream : Stream
{
    private readonly IDuplexPipe _pipe;

    public DuplexPipeStream(IDuplexPipe pipe) => _pipe = pipe;

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var input = _pipe.Input;
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var data = result.Buffer;
            if (buffer.IsEmpty)
            {
                input.AdvanceTo(data.Start);
                return 0;
            }

            if (!data.IsEmpty)
            {
                int count = (int)Math.Min(data.Length, buffer.Length);
                data.Slice(0, count).CopyTo(buffer.Span);
                input.AdvanceTo(data.GetPosition(count));
                return count;
            }

            input.AdvanceTo(data.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return 0;
            }
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var result = await _pipe.Output.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        if (result.IsCompleted)
        {
            throw new IOException("The connection was closed.");
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Asynchronous reads only.");
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("Asynchronous writes only.");
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            ((IDisposable)_pipe).Dispose();
        }

        base.Dispose(disposing);
    }
}
