using System.Buffers;

namespace EdgeGw.Protocols.Infrastructure;

/// <summary>Character classes from RFC 9110/9112, as vectorised <see cref="SearchValues{T}"/>.</summary>
internal static class HttpCharacters
{
    /// <summary>tchar: the characters of a token (method, field name, transfer coding).</summary>
    public static readonly SearchValues<byte> Token =
        SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    /// <summary>Bytes never allowed in a field value: CTLs other than HTAB, and DEL. CR and LF are among them.</summary>
    public static readonly SearchValues<byte> InvalidFieldValue = SearchValues.Create(InvalidFieldValueBytes());

    /// <summary>Bytes allowed in a request-target: VCHAR except '#' (a fragment is never sent).</summary>
    public static readonly SearchValues<byte> RequestTarget = SearchValues.Create(RequestTargetBytes());

    /// <summary>Bytes allowed in a Host value: reg-name, IP-literal brackets, ':' and port digits, pct-encoding.</summary>
    public static readonly SearchValues<byte> Authority =
        SearchValues.Create("!$&'()*+,;=-._~%:[]0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"u8);

    public static readonly SearchValues<byte> Whitespace = SearchValues.Create(" \t"u8);

    private static byte[] InvalidFieldValueBytes()
    {
        var bytes = new List<byte>(33);
        for (int b = 0; b < 0x20; b++)
        {
            if (b != '\t')
            {
                bytes.Add((byte)b);
            }
        }

        bytes.Add(0x7F);
        return bytes.ToArray();
    }

    private static byte[] RequestTargetBytes()
    {
        var bytes = new List<byte>(94);
        for (int b = 0x21; b <= 0x7E; b++)
        {
            if (b != '#')
            {
                bytes.Add((byte)b);
            }
        }

        return bytes.ToArray();
    }

    public static bool IsToken(ReadOnlySpan<byte> span) => !span.IsEmpty && !span.ContainsAnyExcept(Token);

    public static ReadOnlySpan<byte> TrimWhitespace(ReadOnlySpan<byte> span)
    {
        int start = span.IndexOfAnyExcept(Whitespace);
        if (start < 0)
        {
            return default;
        }

        int end = span.LastIndexOfAnyExcept(Whitespace);
        return span[start..(end + 1)];
    }

    /// <summary>Parses a non-negative decimal with digits only (no sign, no spaces) that fits in a <see cref="long"/>.</summary>
    public static bool TryParseDecimal(ReadOnlySpan<byte> span, out long value)
    {
        value = 0;
        if (span.IsEmpty || span.Length > 19)
        {
            return false;
        }

        long result = 0;
        foreach (byte b in span)
        {
            uint digit = (uint)(b - '0');
            if (digit > 9)
            {
                return false;
            }

            result = (result * 10) + digit;
            if (result < 0)
            {
                return false;
            }
        }

        value = result;
        return true;
    }
}
