using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;

namespace EdgeGw.Server.WebSockets;

/// <summary>
/// Connection ids in AWS's shape (16 characters of base64 ending in <c>=</c>, e.g. <c>L0SM9cOFvHcCIhw=</c>; URL-safe
/// alphabet here, so an id is one path segment): 11 bytes, the first 3 the instance's tag, the other 8 random.
/// The tag names the instance's request channel in cluster mode, so an @connections call on any instance knows
/// where the connection lives without a lookup. 64 random bits keep ids unguessable; 24 bits of tag make two
/// live instances sharing one a chance of about n²/2²⁵ (3·10⁻⁶ for 10 instances).
/// </summary>
internal static class ConnectionIds
{
    public const int Length = 16;
    private const int TagBytes = 3;
    private const int Bytes = 11;

    /// <summary>The tag of an instance id (its first 24 bits: instance ids are random hex).</summary>
    public static int TagOf(string instanceId) =>
        instanceId.Length >= 6 && int.TryParse(instanceId.AsSpan(0, 6), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int tag)
            ? tag
            : (int)((uint)instanceId.GetHashCode() & 0xFFFFFF);

    /// <summary>A random tag (single-instance mode: ids look the same, the tag routes nothing).</summary>
    public static int RandomTag() => RandomNumberGenerator.GetInt32(1 << 24);

    /// <summary>The tag as the request channel names it: 6 lowercase hex digits.</summary>
    public static string TagText(int tag) => tag.ToString("x6", CultureInfo.InvariantCulture);

    public static string New(int tag)
    {
        Span<byte> bytes = stackalloc byte[Bytes];
        bytes[0] = (byte)(tag >> 16);
        bytes[1] = (byte)(tag >> 8);
        bytes[2] = (byte)tag;
        RandomNumberGenerator.Fill(bytes[TagBytes..]);
        Span<char> text = stackalloc char[Length];
        Base64Url.EncodeToChars(bytes, text);
        text[Length - 1] = '=';
        return new string(text);
    }

    /// <summary>The tag an id carries; false for anything not in the shape <see cref="New"/> makes.</summary>
    public static bool TryReadTag(ReadOnlySpan<char> id, out int tag)
    {
        tag = 0;
        if (id.Length != Length || id[Length - 1] != '=')
        {
            return false;
        }

        foreach (char c in id[..(Length - 1)])
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_'))
            {
                return false;
            }
        }

        Span<byte> bytes = stackalloc byte[Bytes];
        if (!Base64Url.TryDecodeFromChars(id[..(Length - 1)], bytes, out int written) || written != Bytes)
        {
            return false;
        }

        tag = (bytes[0] << 16) | (bytes[1] << 8) | bytes[2];
        return true;
    }

    /// <summary>
    /// Percent-decodes a path segment's bytes (boto3 sends <c>=</c> as <c>%3D</c>) into <paramref name="decoded"/>;
    /// -1 when it is malformed or does not fit.
    /// </summary>
    public static int Unescape(ReadOnlySpan<byte> raw, Span<byte> decoded)
    {
        int written = 0;
        for (int i = 0; i < raw.Length; i++)
        {
            if (written == decoded.Length)
            {
                return -1;
            }

            byte b = raw[i];
            if (b == (byte)'%')
            {
                if (i + 2 >= raw.Length || !IsHex(raw[i + 1]) || !IsHex(raw[i + 2]))
                {
                    return -1;
                }

                b = (byte)((Hex(raw[i + 1]) << 4) | Hex(raw[i + 2]));
                i += 2;
            }

            decoded[written++] = b;
        }

        return written;
    }

    private static bool IsHex(byte b) => char.IsAsciiHexDigit((char)b);

    private static int Hex(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;
}
