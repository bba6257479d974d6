using System.IO.Compression;
using System.Runtime.CompilerServices;
using EdgeGw.Core.Compression;

namespace EdgeGw.Server.Compression;

/// <summary>
/// Compressed copies of bodies that do not change — a mock integration's body, a cache entry's — made once per
/// coding on first use and kept as long as their owner lives (a <see cref="ConditionalWeakTable{TKey,TValue}"/>:
/// an evicted cache entry or a replaced model takes its variants with it). A variant is at most the body's size
/// (one that would not be smaller is remembered as "send identity"), so an entry costs at most three times its
/// bytes. Reads take no lock; two first hits at once may both compress, and one result is kept.
/// </summary>
internal sealed class StaticVariants
{
    private static readonly ConditionalWeakTable<object, StaticVariants> Table = new();
    private Variant? _gzip;
    private Variant? _brotli;

    private sealed record Variant(int Level, byte[]? Bytes);

    /// <summary>The compressed body, or null when compressing would not make it smaller (send identity).</summary>
    public static byte[]? Get(object owner, ReadOnlySpan<byte> body, ContentCoding coding, CompressionPolicy policy)
    {
        if (!Table.TryGetValue(owner, out var variants))
        {
            variants = Table.GetValue(owner, static _ => new StaticVariants());
        }

        int level = coding == ContentCoding.Brotli ? policy.BrotliLevel : policy.GzipLevel;
        var current = coding == ContentCoding.Brotli ? Volatile.Read(ref variants._brotli) : Volatile.Read(ref variants._gzip);
        if (current is null || current.Level != level)
        {
            current = new Variant(level, Compress(body, coding, level));
            Volatile.Write(ref coding == ContentCoding.Brotli ? ref variants._brotli : ref variants._gzip, current);
        }

        return current.Bytes;
    }

    internal static byte[]? Compress(ReadOnlySpan<byte> body, ContentCoding coding, int level)
    {
        byte[] compressed;
        if (coding == ContentCoding.Brotli)
        {
            var buffer = new byte[BrotliEncoder.GetMaxCompressedLength(body.Length)];
            if (!BrotliEncoder.TryCompress(body, buffer, out int written, level, ResponseCompressor.BrotliWindow))
            {
                return null;
            }

            compressed = buffer.AsSpan(0, written).ToArray();
        }
        else
        {
            using var output = new MemoryStream(body.Length / 2 + 64);
            using (var gzip = new GZipStream(output, new ZLibCompressionOptions { CompressionLevel = level }, leaveOpen: true))
            {
                gzip.Write(body);
            }

            compressed = output.ToArray();
        }

        return compressed.Length < body.Length ? compressed : null;
    }
}
