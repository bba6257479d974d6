using System.Buffers;
using System.IO.Compression;
using BenchmarkDotNet.Attributes;
using EdgeGw.Core.Compression;
using EdgeGw.Server.Compression;

namespace EdgeGw.Benchmarks.Compression;

/// <summary>
/// Compressing the 64 KiB JSON of loadtests/compression/payload-64k.json at the gateway's default levels:
/// streamed as the relay does (a new encoder per response, the body in 16 KiB reads, Brotli window 18, zlib
/// through GZipStream over a reused sink), one-shot as a cache hit or mock would without stored variants
/// (<see cref="StaticVariants.Compress"/>), and the stored-variant lookup a cache hit actually does.
/// Run: dotnet run -c Release --project bench/EdgeGw.Benchmarks -- --filter '*CompressionBenchmarks*' --job short
/// </summary>
[MemoryDiagnoser]
public class CompressionBenchmarks
{
    private const int Piece = 16 * 1024;
    private readonly NullSink _sink = new();
    private readonly byte[] _scratch = new byte[Piece];
    private readonly object _owner = new();
    private readonly ZLibCompressionOptions _gzip5 = new() { CompressionLevel = 5 };
    private byte[] _payload = [];
    private CompressionPolicy _policy = null!;

    [GlobalSetup]
    public void Setup()
    {
        _payload = File.ReadAllBytes(FindPayload());
        _policy = new CompressionPolicy
        {
            MinimumSize = 1024, Brotli = true, Gzip = true, GzipLevel = 5, BrotliLevel = 4,
            Types = [], TypePrefixes = [], Suffixes = [],
        };
        StaticVariants.Get(_owner, _payload, ContentCoding.Gzip, _policy);
    }

    [Benchmark]
    public long Gzip5_Streamed()
    {
        _sink.Written = 0;
        using (var gzip = new GZipStream(_sink, _gzip5, leaveOpen: true))
        {
            for (int offset = 0; offset < _payload.Length; offset += Piece)
            {
                gzip.Write(_payload.AsSpan(offset, Math.Min(Piece, _payload.Length - offset)));
            }
        }

        return _sink.Written;
    }

    [Benchmark]
    public long Brotli4_Streamed()
    {
        long total = 0;
        using var encoder = new BrotliEncoder(4, ResponseCompressor.BrotliWindow);
        for (int offset = 0; offset < _payload.Length; offset += Piece)
        {
            var source = _payload.AsSpan(offset, Math.Min(Piece, _payload.Length - offset));
            while (!source.IsEmpty)
            {
                encoder.Compress(source, _scratch, out int read, out int written, isFinalBlock: false);
                source = source[read..];
                total += written;
            }
        }

        OperationStatus status;
        do
        {
            status = encoder.Compress(default, _scratch, out _, out int written, isFinalBlock: true);
            total += written;
        }
        while (status == OperationStatus.DestinationTooSmall);
        return total;
    }

    [Benchmark]
    public int Gzip5_PerHit() => StaticVariants.Compress(_payload, ContentCoding.Gzip, 5)!.Length;

    [Benchmark]
    public int Brotli4_PerHit() => StaticVariants.Compress(_payload, ContentCoding.Brotli, 4)!.Length;

    [Benchmark]
    public int StoredVariant_Hit() => StaticVariants.Get(_owner, _payload, ContentCoding.Gzip, _policy)!.Length;

    private static string FindPayload()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "loadtests", "compression", "payload-64k.json");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("loadtests/compression/payload-64k.json not found above " + AppContext.BaseDirectory);
    }

    private sealed class NullSink : Stream
    {
        public long Written;

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => Written;
        public override long Position { get => Written; set => throw new NotSupportedException(); }
        public override void Write(ReadOnlySpan<byte> buffer) => Written += buffer.Length;
        public override void Write(byte[] buffer, int offset, int count) => Written += count;
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
