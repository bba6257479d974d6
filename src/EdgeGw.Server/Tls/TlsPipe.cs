using System.IO.Pipelines;
using System.Net.Security;
using EdgeGw.Transport;

namespace EdgeGw.Server.Tls;

/// <summary>
/// The decrypted side of a TLS connection as the pipe the HTTP loop reads and writes, over the
/// <see cref="SslStream"/>. Zero-byte reads, so an idle keep-alive connection holds neither a pipe block nor
/// SslStream's decrypt buffer; blocks from the transport's pinned pool, so a warm connection rents without
/// allocating.
/// </summary>
internal sealed class TlsPipe : IDuplexPipe
{
    // 4 KiB blocks as the transport's: a small response is one block, one TLS record, one write.
    private static readonly StreamPipeReaderOptions ReaderOptions = new(PinnedBlockPool.Instance, PinnedBlockPool.BlockSize, minimumReadSize: 1024, leaveOpen: true, useZeroByteReads: true);
    private static readonly StreamPipeWriterOptions WriterOptions = new(PinnedBlockPool.Instance, PinnedBlockPool.BlockSize, leaveOpen: true);

    public TlsPipe(SslStream stream)
    {
        Input = PipeReader.Create(stream, ReaderOptions);
        Output = PipeWriter.Create(stream, WriterOptions);
    }

    public PipeReader Input { get; }
    public PipeWriter Output { get; }
}
