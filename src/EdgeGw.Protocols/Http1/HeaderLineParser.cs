using EdgeGw.Protocols.Infrastructure;

namespace EdgeGw.Protocols.Http1;

internal static class HeaderLineParser
{
    /// <summary>
    /// Reads the field line that starts at <paramref name="offset"/> in a complete head and moves past it.
    /// Returns false at the empty line that ends the head (error None) or on an invalid line (error set).
    /// </summary>
    public static bool TryReadLine(ReadOnlySpan<byte> head, ref int offset, out HeaderLine header, out HttpParseError error)
    {
        header = default;
        var rest = head[offset..];
        int cr = rest.IndexOf((byte)'\r');
        if (cr < 0 || cr + 1 >= rest.Length || rest[cr + 1] != '\n')
        {
            error = HttpParseError.BareCarriageReturn;
            return false;
        }

        if (cr == 0)
        {
            error = HttpParseError.None;
            return false;
        }

        error = Parse(rest[..cr], offset, out header);
        if (error != HttpParseError.None)
        {
            return false;
        }

        offset += cr + 2;
        return true;
    }

    /// <summary>
    /// Validates one field line (without its CRLF) that starts at <paramref name="lineOffset"/> in the head.
    /// Rejects obs-fold, whitespace before the colon, non-token names and control characters in values.
    /// </summary>
    public static HttpParseError Parse(ReadOnlySpan<byte> line, int lineOffset, out HeaderLine header)
    {
        header = default;
        if (line.IsEmpty)
        {
            return HttpParseError.InvalidHeaderName;
        }

        if (line[0] is (byte)' ' or (byte)'\t')
        {
            return HttpParseError.ObsoleteLineFolding;
        }

        int colon = line.IndexOf((byte)':');
        if (colon <= 0)
        {
            return HttpParseError.InvalidHeaderName;
        }

        var name = line[..colon];
        int bad = name.IndexOfAnyExcept(HttpCharacters.Token);
        if (bad >= 0)
        {
            return name[bad] is (byte)' ' or (byte)'\t' ? HttpParseError.WhitespaceBeforeColon : HttpParseError.InvalidHeaderName;
        }

        var rawValue = line[(colon + 1)..];
        if (rawValue.ContainsAny(HttpCharacters.InvalidFieldValue))
        {
            return HttpParseError.InvalidHeaderValue;
        }

        int valueStart = rawValue.IndexOfAnyExcept(HttpCharacters.Whitespace);
        ReadOnlySpan<byte> value;
        if (valueStart < 0)
        {
            valueStart = rawValue.Length;
            value = default;
        }
        else
        {
            int valueEnd = rawValue.LastIndexOfAnyExcept(HttpCharacters.Whitespace);
            value = rawValue[valueStart..(valueEnd + 1)];
        }

        header = new HeaderLine(name, value, lineOffset, lineOffset + colon + 1 + valueStart, KnownHeaders.Classify(name));
        return HttpParseError.None;
    }
}
