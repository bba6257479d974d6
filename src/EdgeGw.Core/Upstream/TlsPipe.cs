using System.IO.Pipelines;
using System.Net.Security;

namespace EdgeGw.Core.Upstream;

/// <summary>
/// An upstream connection's pipes over an authenticated <see cref="SslStream"/>. The input is a
/// <see cref="Pipe"/> filled by one read loop, as the transports fill theirs, so a pooled connection's
/// <see cref="UpstreamConnection.IsStillUsable"/> sees a close or stray bytes the same way; the loop parks on a
/// zero-byte read, so an idle connection holds no receive buffer. The output writes records straight into the
/// SslStream: one flush of the request head is one TLS write.
/// </summary>
internal sealed class TlsPipe : IDuplexPipe, IDisposable
{
    // Pipe continuations inline, as the upstream pipes of the sockets transport.
    private static readonly PipeOptions InputOptions = new(
        readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false,
        pauseWriterThreshold: 1024 * 1024, resumeWriterThreshold: 512 * 1024);

    /// <summary>A TLS record holds at most 16 KiB of plaintext: one segment takes a whole record.</summary>
    private const int ReadSize = 16 * 1024;

    private readonly SslStream _ssl;
    private readonly Pipe _input = new(InputOptions);
    private readonly PipeWriter _output;
    private static readonly ObjectDisposedException Closed = new(nameof(TlsPipe));
    private int _disposed;

    private TlsPipe(SslStream ssl)
    {
        _ssl = ssl;
        _output = PipeWriter.Create(ssl, new StreamPipeWriterOptions(minimumBufferSize: 4096, leaveOpen: true));
        _ = PumpAsync();
    }

    public PipeReader Input => _input.Reader;
    public PipeWriter Output => _output;

    /// <summary>
    /// Handshakes over <paramref name="inner"/> (which it then owns: disposed on failure, or with the pipe).
    /// Throws <see cref="System.Security.Authentication.AuthenticationException"/> when the backend's certificate
    /// fails verification or the handshake is refused, <see cref="OperationCanceledException"/> on the timeout.
    /// </summary>
    public static async ValueTask<TlsPipe> ConnectAsync(Stream inner, SslClientAuthenticationOptions options, CancellationToken cancellationToken)
    {
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(options, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new TlsPipe(ssl);
    }

    private async Task PumpAsync()
    {
        var writer = _input.Writer;
        try
        {
            while (true)
            {
                // Wait for a record without holding a buffer (SslStream supports zero-byte reads).
                await _ssl.ReadAsync(Memory<byte>.Empty).ConfigureAwait(false);
                int read = await _ssl.ReadAsync(writer.GetMemory(ReadSize)).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                writer.Advance(read);
                var flush = await writer.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or System.Security.Authentication.AuthenticationException
            or InvalidOperationException or NotSupportedException or OperationCanceledException)
        {
            // A reset, an alert (a backend refusing the client certificate after a TLS 1.3 handshake) or our own
            // dispose: to the reader it is the end of the stream, as a closed socket is.
        }
        finally
        {
            await writer.CompleteAsync().ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Completed with an error, the writer drops what was not flushed instead of writing it synchronously.
        _output.Complete(Closed);
        _input.Reader.Complete();
        _ssl.Dispose();
    }
}
