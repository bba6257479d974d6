namespace EdgeGw.Server.Infrastructure;

/// <summary>Reading a stored response head (a cache entry's: status line, then header lines each ending in CRLF).</summary>
public static class StoredHead
{
    /// <summary>The status code of the head's status line (0 when it is too short).</summary>
    public static int Status(ReadOnlySpan<byte> head) =>
        head.Length >= 12 ? (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0') : 0;

    /// <summary>Where the header lines start: after the status line's CRLF.</summary>
    public static int LinesStart(ReadOnlySpan<byte> head) => head.IndexOf("\r\n"u8) + 2;

    /// <summary>The next header line (with its CRLF) and its name and value; advances <paramref name="lines"/>.</summary>
    public static ReadOnlySpan<byte> NextLine(ref ReadOnlySpan<byte> lines, out ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        int end = lines.IndexOf("\r\n"u8);
        var line = end < 0 ? lines : lines[..(end + 2)];
        lines = end < 0 ? default : lines[(end + 2)..];
        var content = end < 0 ? line : line[..^2];
        int colon = content.IndexOf((byte)':');
        name = colon < 0 ? default : content[..colon];
        value = colon < 0 ? default : content[(colon + 1)..].Trim(" \t"u8);
        return line;
    }
}
