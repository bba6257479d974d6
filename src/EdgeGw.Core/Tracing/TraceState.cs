namespace EdgeGw.Core.Tracing;

/// <summary>
/// The W3C <c>tracestate</c> header, checked (not rewritten) so it can be passed on as received: at most
/// <see cref="MaxMembers"/> list members and <see cref="MaxLength"/> characters over all its field lines, each
/// member <c>key=value</c> by the spec's grammar (simple or <c>tenant@system</c> keys, printable values without
/// ',' or '='). A header that breaks any of it is dropped whole, as the spec allows.
/// </summary>
public static class TraceState
{
    public const int MaxMembers = 32;
    public const int MaxLength = 512;

    /// <summary>
    /// Checks one field line, adding to the counts of the lines before it (the header may come in several, which
    /// are one comma-separated list); false when this line, or the list so far, is invalid.
    /// </summary>
    public static bool Accumulate(ReadOnlySpan<byte> line, ref int members, ref int length)
    {
        // Joined to the previous line with one ','.
        length += line.Length + (length > 0 ? 1 : 0);
        if (length > MaxLength)
        {
            return false;
        }

        while (true)
        {
            int comma = line.IndexOf((byte)',');
            var member = Trim(comma < 0 ? line : line[..comma]);
            if (!member.IsEmpty)
            {
                if (++members > MaxMembers || !IsMember(member))
                {
                    return false;
                }
            }

            if (comma < 0)
            {
                return true;
            }

            line = line[(comma + 1)..];
        }
    }

    /// <summary>Whether <paramref name="value"/> alone is a valid <c>tracestate</c>.</summary>
    public static bool IsValid(ReadOnlySpan<byte> value)
    {
        int members = 0, length = 0;
        return Accumulate(value, ref members, ref length);
    }

    private static bool IsMember(ReadOnlySpan<byte> member)
    {
        int equals = member.IndexOf((byte)'=');
        return equals > 0 && IsKey(member[..equals]) && IsValue(member[(equals + 1)..]);
    }

    private static bool IsKey(ReadOnlySpan<byte> key)
    {
        int at = key.IndexOf((byte)'@');
        if (at < 0)
        {
            // simple-key = lcalpha 0*255( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
            return key.Length <= 256 && IsLower(key[0]) && AllKeyChars(key[1..]);
        }

        // multi-tenant-key = tenant-id "@" system-id
        var tenant = key[..at];
        var system = key[(at + 1)..];
        return tenant.Length is >= 1 and <= 241 && (IsLower(tenant[0]) || IsDigit(tenant[0])) && AllKeyChars(tenant[1..])
            && system.Length is >= 1 and <= 14 && IsLower(system[0]) && AllKeyChars(system[1..]);
    }

    private static bool IsValue(ReadOnlySpan<byte> value)
    {
        // value = 0*255(chr) nblk-chr; chr = %x20 / nblk-chr; nblk-chr = %x21-2B / %x2D-3C / %x3E-7E
        if (value.Length is 0 or > 256 || value[^1] == ' ')
        {
            return false;
        }

        foreach (byte c in value)
        {
            if (c is < 0x20 or > 0x7E or (byte)',' or (byte)'=')
            {
                return false;
            }
        }

        return true;
    }

    private static bool AllKeyChars(ReadOnlySpan<byte> chars)
    {
        foreach (byte c in chars)
        {
            if (!(IsLower(c) || IsDigit(c) || c is (byte)'_' or (byte)'-' or (byte)'*' or (byte)'/'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsLower(byte c) => c is >= (byte)'a' and <= (byte)'z';

    private static bool IsDigit(byte c) => c is >= (byte)'0' and <= (byte)'9';

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> value)
    {
        int start = 0, end = value.Length;
        while (start < end && value[start] is (byte)' ' or (byte)'\t')
        {
            start++;
        }

        while (end > start && value[end - 1] is (byte)' ' or (byte)'\t')
        {
            end--;
        }

        return value[start..end];
    }
}
