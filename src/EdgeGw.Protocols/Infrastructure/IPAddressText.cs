namespace EdgeGw.Protocols.Infrastructure;

/// <summary>
/// Strict textual IP addresses over ASCII bytes, without allocating: dotted-quad IPv4 (four decimal octets, no
/// leading zeros — <c>010</c> is octal to some parsers) and RFC 4291 IPv6 (hex groups of at most four digits, one
/// <c>::</c>, an optional trailing dotted quad), no zone, brackets or port. Formatting is canonical (RFC 5952:
/// lower case, the longest run of two or more zero groups compressed; IPv4-mapped written as IPv4), so the same
/// client always has the same text in throttle keys and X-Forwarded-For.
/// </summary>
public static class IPAddressText
{
    /// <summary>The longest canonical text (an IPv6 address with eight full groups is 39; 45 covers any form).</summary>
    public const int MaxLength = 45;

    /// <summary>IPv4 if there is no ':', IPv6 otherwise.</summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out IPAddressValue address) =>
        text.IndexOf((byte)':') < 0 ? TryParseIPv4(text, out address) : TryParseIPv6(text, out address);

    public static bool TryParseIPv4(ReadOnlySpan<byte> text, out IPAddressValue address)
    {
        address = default;
        if (!TryParseDottedQuad(text, out uint value))
        {
            return false;
        }

        address = IPAddressValue.FromIPv4(value);
        return true;
    }

    public static bool TryParseIPv6(ReadOnlySpan<byte> text, out IPAddressValue address)
    {
        address = default;
        if (text.Length < 2 || text.Length > MaxLength)
        {
            return false;
        }

        Span<ushort> groups = stackalloc ushort[8];
        int count = 0;
        int compressAt = -1;
        int i = 0;
        if (text[0] == ':')
        {
            if (text[1] != ':')
            {
                return false;
            }

            compressAt = 0;
            i = 2;
            if (i == text.Length)
            {
                return true;
            }
        }

        while (true)
        {
            // A group: 1-4 hex digits, or a dotted quad as the last 32 bits.
            int start = i;
            int value = 0;
            while (i < text.Length && i - start < 5 && HexValue(text[i]) is int digit and >= 0)
            {
                value = (value << 4) | digit;
                i++;
            }

            if (i < text.Length && text[i] == '.')
            {
                if (count > 6 || !TryParseDottedQuad(text[start..], out uint v4))
                {
                    return false;
                }

                groups[count++] = (ushort)(v4 >> 16);
                groups[count++] = (ushort)v4;
                i = text.Length;
                break;
            }

            int digits = i - start;
            if (digits is 0 or > 4 || count == 8)
            {
                return false;
            }

            groups[count++] = (ushort)value;
            if (i == text.Length)
            {
                break;
            }

            if (text[i] != ':')
            {
                return false;
            }

            i++;
            if (i < text.Length && text[i] == ':')
            {
                if (compressAt >= 0)
                {
                    return false;
                }

                compressAt = count;
                i++;
                if (i == text.Length)
                {
                    break;
                }
            }
            else if (i == text.Length)
            {
                // A trailing single ':'.
                return false;
            }
        }

        if (compressAt < 0 ? count != 8 : count > 7)
        {
            return false;
        }

        UInt128 result = 0;
        int zeros = 8 - count;
        int g = 0;
        for (int slot = 0; slot < 8; slot++)
        {
            ushort group = 0;
            if (compressAt < 0 || slot < compressAt)
            {
                group = groups[g++];
            }
            else if (slot >= compressAt + zeros)
            {
                group = groups[g++];
            }

            result = (result << 16) | group;
        }

        address = new IPAddressValue(result);
        return true;
    }

    /// <summary>Writes the canonical text of <paramref name="address"/>; returns its length. <paramref name="destination"/> holds at least <see cref="MaxLength"/>.</summary>
    public static int Format(IPAddressValue address, Span<byte> destination)
    {
        if (address.IsIPv4)
        {
            return FormatIPv4((uint)address.Value, destination);
        }

        Span<ushort> groups = stackalloc ushort[8];
        for (int slot = 0; slot < 8; slot++)
        {
            groups[slot] = (ushort)(address.Value >> (112 - 16 * slot));
        }

        // The longest run of at least two zero groups, the first one on a tie (RFC 5952 4.2).
        int bestStart = -1, bestLength = 1;
        for (int slot = 0; slot < 8;)
        {
            if (groups[slot] != 0)
            {
                slot++;
                continue;
            }

            int start = slot;
            while (slot < 8 && groups[slot] == 0)
            {
                slot++;
            }

            if (slot - start > bestLength)
            {
                bestStart = start;
                bestLength = slot - start;
            }
        }

        int n = 0;
        for (int slot = 0; slot < 8; slot++)
        {
            if (slot == bestStart)
            {
                destination[n++] = (byte)':';
                if (slot == 0)
                {
                    destination[n++] = (byte)':';
                }

                slot += bestLength - 1;
                continue;
            }

            n += FormatHex(groups[slot], destination[n..]);
            if (slot < 7)
            {
                destination[n++] = (byte)':';
            }
        }

        return n;
    }

    private static int FormatIPv4(uint value, Span<byte> destination)
    {
        int n = 0;
        for (int shift = 24; shift >= 0; shift -= 8)
        {
            uint octet = (value >> shift) & 0xFF;
            if (octet >= 100)
            {
                destination[n++] = (byte)('0' + octet / 100);
            }

            if (octet >= 10)
            {
                destination[n++] = (byte)('0' + octet / 10 % 10);
            }

            destination[n++] = (byte)('0' + octet % 10);
            if (shift > 0)
            {
                destination[n++] = (byte)'.';
            }
        }

        return n;
    }

    private static int FormatHex(ushort group, Span<byte> destination)
    {
        int n = 0;
        bool started = false;
        for (int shift = 12; shift >= 0; shift -= 4)
        {
            int digit = (group >> shift) & 0xF;
            if (digit != 0 || started || shift == 0)
            {
                destination[n++] = (byte)"0123456789abcdef"[digit];
                started = true;
            }
        }

        return n;
    }

    private static bool TryParseDottedQuad(ReadOnlySpan<byte> text, out uint value)
    {
        value = 0;
        if (text.Length is < 7 or > 15)
        {
            return false;
        }

        int octets = 0;
        int i = 0;
        while (true)
        {
            int start = i;
            uint octet = 0;
            while (i < text.Length && i - start < 4 && (uint)(text[i] - '0') <= 9)
            {
                octet = octet * 10 + (uint)(text[i] - '0');
                i++;
            }

            int digits = i - start;
            if (digits is 0 or > 3 || octet > 255 || (digits > 1 && text[start] == '0'))
            {
                return false;
            }

            value = (value << 8) | octet;
            octets++;
            if (octets == 4)
            {
                return i == text.Length;
            }

            if (i == text.Length || text[i] != '.')
            {
                return false;
            }

            i++;
        }
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };
}
