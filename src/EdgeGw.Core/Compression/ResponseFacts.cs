using System.Text;

namespace EdgeGw.Core.Compression;

/// <summary>
/// What a response's head says about compressing it, gathered header by header (from the upstream's head, a
/// cached head or a mock's headers): then <see cref="Eligible"/> decides with the status and the body length.
/// </summary>
public struct ResponseFacts
{
    public bool CompressibleType;
    public bool HasContentEncoding;
    public bool NoTransform;
    public bool HasContentRange;
    public bool VariesOnAcceptEncoding;
    /// <summary>The Content-Length header's value; -1 when absent or not a number (then <see cref="Eligible"/> treats the length as unknown).</summary>
    public long DeclaredLength;

    public ResponseFacts() => DeclaredLength = -1;

    /// <summary>One header of the response (name as received, any case).</summary>
    public void Observe(CompressionPolicy policy, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        switch (name.Length)
        {
            case 4 when Ascii.EqualsIgnoreCase(name, "vary"u8):
                VariesOnAcceptEncoding |= ContainsToken(value, "accept-encoding"u8) || value.Trim(" \t"u8).SequenceEqual("*"u8);
                break;
            case 12 when Ascii.EqualsIgnoreCase(name, "content-type"u8):
                CompressibleType = policy.IsCompressible(value);
                break;
            case 13 when Ascii.EqualsIgnoreCase(name, "cache-control"u8):
                NoTransform |= ContainsToken(value, "no-transform"u8);
                break;
            case 14 when Ascii.EqualsIgnoreCase(name, "content-length"u8):
                DeclaredLength = System.Buffers.Text.Utf8Parser.TryParse(value.Trim(" \t"u8), out long parsed, out int used) && used == value.Trim(" \t"u8).Length && parsed >= 0 ? parsed : -1;
                break;
            case 13 when Ascii.EqualsIgnoreCase(name, "content-range"u8):
                HasContentRange = true;
                break;
            case 16 when Ascii.EqualsIgnoreCase(name, "content-encoding"u8):
                // Any coding, even "identity": the backend chose; the gateway does not stack or second-guess it.
                HasContentEncoding = true;
                break;
        }
    }

    /// <summary>
    /// Whether the response is one the gateway compresses for a client that accepts it (and so varies by
    /// Accept-Encoding): a status with a body (not 1xx, 204, 206, 304), a compressible type, no
    /// Content-Encoding, Content-Range or <c>no-transform</c>, and a length that is unknown or at least the minimum
    /// (and not 0).
    /// </summary>
    /// <param name="length">The body length when known (Content-Length), else -1.</param>
    public readonly bool Eligible(CompressionPolicy policy, int status, long length) =>
        status is >= 200 and not (204 or 206 or 304)
        && CompressibleType && !HasContentEncoding && !NoTransform && !HasContentRange
        && (length < 0 || (length > 0 && length >= policy.MinimumSize));

    /// <summary>A comma-separated list holds <paramref name="token"/> (case-insensitive, parameters after '=' ignored).</summary>
    internal static bool ContainsToken(ReadOnlySpan<byte> list, ReadOnlySpan<byte> token)
    {
        while (!list.IsEmpty)
        {
            int comma = list.IndexOf((byte)',');
            var item = comma < 0 ? list : list[..comma];
            int equals = item.IndexOf((byte)'=');
            if (equals >= 0)
            {
                item = item[..equals];
            }

            if (Ascii.EqualsIgnoreCase(item.Trim(" \t"u8), token))
            {
                return true;
            }

            if (comma < 0)
            {
                break;
            }

            list = list[(comma + 1)..];
        }

        return false;
    }
}
