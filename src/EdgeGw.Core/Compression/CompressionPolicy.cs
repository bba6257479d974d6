using System.Collections.Immutable;
using System.Text;

namespace EdgeGw.Core.Compression;

/// <summary>
/// A route's compiled response compression: the minimum size, the codings allowed with their levels, and the
/// compressible media types as bytes. Null on <see cref="Model.RouteModel.Compression"/> when the route's API
/// sets no <c>minimumCompressionSize</c> (then a response pays one null check).
/// </summary>
public sealed class CompressionPolicy
{
    /// <summary>Bodies with a known length below this many bytes are sent as they are.</summary>
    public required int MinimumSize { get; init; }
    public required bool Brotli { get; init; }
    public required bool Gzip { get; init; }
    /// <summary>zlib level, 1-9.</summary>
    public required int GzipLevel { get; init; }
    /// <summary>Brotli quality, 0-11.</summary>
    public required int BrotliLevel { get; init; }
    /// <summary>Whole media types, lower case (<c>application/json</c>).</summary>
    public required ImmutableArray<byte[]> Types { get; init; }
    /// <summary>Type prefixes from <c>type/*</c>, lower case with the slash (<c>text/</c>).</summary>
    public required ImmutableArray<byte[]> TypePrefixes { get; init; }
    /// <summary>Structured-syntax suffixes from <c>*/*+suffix</c>, lower case with the plus (<c>+json</c>).</summary>
    public required ImmutableArray<byte[]> Suffixes { get; init; }

    /// <summary>Whether a response of this <c>Content-Type</c> value is compressed (parameters ignored, case-insensitive).</summary>
    public bool IsCompressible(ReadOnlySpan<byte> contentType)
    {
        int semicolon = contentType.IndexOf((byte)';');
        var type = (semicolon < 0 ? contentType : contentType[..semicolon]).Trim(" \t"u8);
        if (type.IsEmpty || type.Length > 256)
        {
            return false;
        }

        foreach (byte[] exact in Types)
        {
            if (type.Length == exact.Length && Ascii.EqualsIgnoreCase(type, exact))
            {
                return true;
            }
        }

        foreach (byte[] prefix in TypePrefixes)
        {
            if (type.Length > prefix.Length && Ascii.EqualsIgnoreCase(type[..prefix.Length], prefix))
            {
                return true;
            }
        }

        if (type.IndexOf((byte)'/') > 0)
        {
            foreach (byte[] suffix in Suffixes)
            {
                if (type.Length > suffix.Length && Ascii.EqualsIgnoreCase(type[^suffix.Length..], suffix))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
