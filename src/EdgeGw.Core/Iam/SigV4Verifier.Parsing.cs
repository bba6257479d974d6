using System.Buffers;
using System.Buffers.Text;
using System.Text;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Core.Iam;

/// <summary>Reading the signature's parameters: the Authorization header, the presigned query, headers and ISO 8601 basic dates.</summary>
public sealed partial class SigV4Verifier
{
    private SigV4Status ReadAuthorizationHeader(ReadOnlySpan<byte> value)
    {
        if (!value.StartsWith(Algorithm) || value.Length == Algorithm.Length || value[Algorithm.Length] != (byte)' ')
        {
            // "AWS4-HMAC-SHA512 ..." or SigV4a: a signing algorithm; anything else is no SigV4 header at all.
            return value.StartsWith("AWS4-"u8) ? SigV4Status.UnsupportedAlgorithm : SigV4Status.IncompleteHeader;
        }

        var rest = value[(Algorithm.Length + 1)..];
        while (!rest.IsEmpty)
        {
            int comma = rest.IndexOf((byte)',');
            var part = (comma < 0 ? rest : rest[..comma]).Trim((byte)' ');
            rest = comma < 0 ? default : rest[(comma + 1)..];
            if (part.IsEmpty)
            {
                continue;
            }

            int eq = part.IndexOf((byte)'=');
            if (eq <= 0)
            {
                return SigV4Status.IncompleteHeader;
            }

            var name = part[..eq];
            var parameter = part[(eq + 1)..];
            if (name.SequenceEqual("Credential"u8))
            {
                if (!Store(parameter, decode: false, out _credentialStart, out _credentialLength))
                {
                    return SigV4Status.IncompleteHeader;
                }
            }
            else if (name.SequenceEqual("SignedHeaders"u8))
            {
                if (!Store(parameter, decode: false, out _signedHeadersStart, out _signedHeadersLength))
                {
                    return SigV4Status.IncompleteHeader;
                }
            }
            else if (name.SequenceEqual("Signature"u8))
            {
                if (!Store(parameter, decode: false, out _signatureStart, out _signatureLength))
                {
                    return SigV4Status.IncompleteHeader;
                }
            }
        }

        return _credentialLength > 0 && _signedHeadersLength > 0 && _signatureLength > 0 ? SigV4Status.Verified : SigV4Status.IncompleteHeader;
    }

    private SigV4Status ReadPresignedQuery(ReadOnlySpan<byte> query, out long requestTime, out long expires)
    {
        requestTime = 0;
        expires = -1;
        bool algorithm = false;
        bool date = false;
        Span<byte> scratch = stackalloc byte[32];
        var rest = query;
        while (!rest.IsEmpty)
        {
            int amp = rest.IndexOf((byte)'&');
            var pair = amp < 0 ? rest : rest[..amp];
            rest = amp < 0 ? default : rest[(amp + 1)..];
            int eq = pair.IndexOf((byte)'=');
            if (eq < 0)
            {
                continue;
            }

            var name = pair[..eq];
            var value = pair[(eq + 1)..];
            if (!name.StartsWith("X-Amz-"u8))
            {
                continue;
            }

            name = name[6..];
            if (name.SequenceEqual("Algorithm"u8))
            {
                int n = Decode(value, scratch);
                if (n < 0 || !scratch[..n].SequenceEqual(Algorithm))
                {
                    return SigV4Status.UnsupportedAlgorithm;
                }

                algorithm = true;
            }
            else if (name.SequenceEqual("Credential"u8))
            {
                if (!Store(value, decode: true, out _credentialStart, out _credentialLength))
                {
                    return SigV4Status.IncompleteQuery;
                }
            }
            else if (name.SequenceEqual("SignedHeaders"u8))
            {
                if (!Store(value, decode: true, out _signedHeadersStart, out _signedHeadersLength))
                {
                    return SigV4Status.IncompleteQuery;
                }
            }
            else if (name.SequenceEqual("Signature"u8))
            {
                if (!Store(value, decode: true, out _signatureStart, out _signatureLength))
                {
                    return SigV4Status.IncompleteQuery;
                }
            }
            else if (name.SequenceEqual("Date"u8))
            {
                int n = Decode(value, scratch);
                if (n != 16 || !TryParseIsoBasic(scratch[..16], out requestTime))
                {
                    return SigV4Status.IncompleteQuery;
                }

                scratch[..16].CopyTo(_amzDate);
                date = true;
            }
            else if (name.SequenceEqual("Expires"u8))
            {
                if (!Utf8Parser.TryParse(value, out int seconds, out int consumed) || consumed != value.Length || seconds is < 1 or > MaxPresignedExpiresSeconds)
                {
                    return SigV4Status.IncompleteQuery;
                }

                expires = seconds;
            }
        }

        return algorithm && date && expires > 0 && _credentialLength > 0 && _signedHeadersLength > 0 && _signatureLength > 0
            ? SigV4Status.Verified
            : SigV4Status.IncompleteQuery;
    }

    /// <summary>Copies a parameter (percent-decoded for the query form) into the parameter buffer.</summary>
    private bool Store(ReadOnlySpan<byte> value, bool decode, out int start, out int length)
    {
        start = _used;
        length = -1;
        var room = _params.AsSpan(_used);
        if (decode)
        {
            length = Decode(value, room);
        }
        else if (value.Length <= room.Length)
        {
            value.CopyTo(room);
            length = value.Length;
        }

        if (length <= 0)
        {
            return false;
        }

        _used += length;
        return true;
    }

    /// <summary>Percent-decodes <paramref name="value"/> into <paramref name="output"/>; -1 when it does not fit.</summary>
    private static int Decode(ReadOnlySpan<byte> value, Span<byte> output)
    {
        int n = 0;
        for (int i = 0; i < value.Length; i++)
        {
            if (n == output.Length)
            {
                return -1;
            }

            byte b = value[i];
            if (b == (byte)'%' && i + 2 < value.Length && HexValue(value[i + 1]) is int hi and >= 0 && HexValue(value[i + 2]) is int lo and >= 0)
            {
                b = (byte)(hi << 4 | lo);
                i += 2;
            }

            output[n++] = b;
        }

        return n;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => -1,
    };

    private static readonly SearchValues<byte> LowerHex = SearchValues.Create("0123456789abcdef"u8);

    private static bool HasQueryParameter(ReadOnlySpan<byte> query, ReadOnlySpan<byte> name)
    {
        while (!query.IsEmpty)
        {
            int amp = query.IndexOf((byte)'&');
            var pair = amp < 0 ? query : query[..amp];
            query = amp < 0 ? default : query[(amp + 1)..];
            if (pair.StartsWith(name) && (pair.Length == name.Length || pair[name.Length] == (byte)'='))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ListsHost(ReadOnlySpan<byte> signedHeaders)
    {
        foreach (var range in signedHeaders.Split((byte)';'))
        {
            if (signedHeaders[range].SequenceEqual("host"u8))
            {
                return true;
            }
        }

        return false;
    }

    private static ReadOnlySpan<byte> Header(ReadOnlySpan<byte> head, ReadOnlySpan<HeaderEntry> headers, ReadOnlySpan<byte> lowerName)
    {
        foreach (ref readonly var entry in headers)
        {
            if (entry.NameLength == lowerName.Length && Ascii.EqualsIgnoreCase(entry.Name(head), lowerName))
            {
                return entry.Value(head);
            }
        }

        return default;
    }

    /// <summary><c>YYYYMMDDTHHMMSSZ</c> to Unix seconds; false when it is not that or not a date.</summary>
    internal static bool TryParseIsoBasic(ReadOnlySpan<byte> text, out long unixSeconds)
    {
        unixSeconds = 0;
        if (text.Length != 16 || text[8] != (byte)'T' || text[15] != (byte)'Z'
            || text[..8].ContainsAnyExceptInRange((byte)'0', (byte)'9') || text[9..15].ContainsAnyExceptInRange((byte)'0', (byte)'9'))
        {
            return false;
        }

        int year = Digits(text[..4]);
        int month = Digits(text[4..6]);
        int day = Digits(text[6..8]);
        int hour = Digits(text[9..11]);
        int minute = Digits(text[11..13]);
        int second = Digits(text[13..15]);
        if (year < 1970 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        unixSeconds = new DateTimeOffset(year, month, day, hour, minute, second, TimeSpan.Zero).ToUnixTimeSeconds();
        return true;
    }

    private static int Digits(ReadOnlySpan<byte> text)
    {
        int value = 0;
        foreach (byte b in text)
        {
            value = value * 10 + (b - '0');
        }

        return value;
    }

    private static void FormatIsoBasic(long unixSeconds, Span<byte> output)
    {
        var time = DateTimeOffset.FromUnixTimeSeconds(unixSeconds).UtcDateTime;
        time.TryFormat(output, out _, "yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
    }

    private static string IsoBasic(long unixSeconds) =>
        DateTimeOffset.FromUnixTimeSeconds(unixSeconds).UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static byte[] NotYetCurrentMessage(long requestTime, long now) => Encoding.ASCII.GetBytes(
        $"Signature not yet current: {IsoBasic(requestTime)} is still later than {IsoBasic(now + ClockSkewSeconds)} ({IsoBasic(now)} + 5 min.)");
}
