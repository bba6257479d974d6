using System.Text;

namespace EdgeGw.Core.Compression;

/// <summary>
/// The client's <c>Accept-Encoding</c> (RFC 9110 section 12.5.3), reduced to what the gateway can send: the
/// weights of <c>br</c>, <c>gzip</c> (or <c>x-gzip</c>) and <c>*</c>, in thousandths. Fed one header value at a
/// time (a request may repeat the header), then <see cref="Choose"/> picks the coding. No allocation; a malformed
/// element (bad token or weight) is ignored, as if absent, and the rest of the list still counts.
/// </summary>
public struct AcceptEncoding
{
    private const int Unset = -1;
    private int _brotli;
    private int _gzip;
    private int _any;
    private bool _seen;

    public AcceptEncoding()
    {
        _brotli = Unset;
        _gzip = Unset;
        _any = Unset;
    }

    /// <summary>Whether any Accept-Encoding value was added (a request without one gets identity).</summary>
    public readonly bool Seen => _seen;

    /// <summary>The client's weight for br/gzip after <c>*</c> is applied (0 = not acceptable), in thousandths.</summary>
    public readonly int Weight(ContentCoding coding)
    {
        int explicitWeight = coding switch
        {
            ContentCoding.Brotli => _brotli,
            ContentCoding.Gzip => _gzip,
            _ => Unset,
        };
        return explicitWeight != Unset ? explicitWeight : _any != Unset ? _any : 0;
    }

    /// <summary>One <c>Accept-Encoding</c> field value.</summary>
    public void Add(ReadOnlySpan<byte> value)
    {
        _seen = true;
        while (true)
        {
            int comma = value.IndexOf((byte)',');
            var element = comma < 0 ? value : value[..comma];
            AddElement(element);
            if (comma < 0)
            {
                return;
            }

            value = value[(comma + 1)..];
        }
    }

    /// <summary>
    /// The coding to send: the allowed one the client weighs highest (above 0), <c>br</c> on a tie; identity
    /// when neither is acceptable (the gateway never answers 406: identity is always sent rather than nothing).
    /// </summary>
    public readonly ContentCoding Choose(bool allowBrotli, bool allowGzip)
    {
        if (!_seen)
        {
            return ContentCoding.Identity;
        }

        int brotli = allowBrotli ? Weight(ContentCoding.Brotli) : 0;
        int gzip = allowGzip ? Weight(ContentCoding.Gzip) : 0;
        if (brotli == 0 && gzip == 0)
        {
            return ContentCoding.Identity;
        }

        return brotli >= gzip ? ContentCoding.Brotli : ContentCoding.Gzip;
    }

    /// <summary>Shorthand for tests and one-header callers.</summary>
    public static ContentCoding Negotiate(ReadOnlySpan<byte> value, bool allowBrotli = true, bool allowGzip = true)
    {
        var accept = new AcceptEncoding();
        accept.Add(value);
        return accept.Choose(allowBrotli, allowGzip);
    }

    private void AddElement(ReadOnlySpan<byte> element)
    {
        int semicolon = element.IndexOf((byte)';');
        var token = Trim(semicolon < 0 ? element : element[..semicolon]);
        if (token.IsEmpty || !IsToken(token))
        {
            return;
        }

        int weight = 1000;
        if (semicolon >= 0)
        {
            var parameters = element[(semicolon + 1)..];
            while (true)
            {
                int next = parameters.IndexOf((byte)';');
                var parameter = Trim(next < 0 ? parameters : parameters[..next]);
                int equals = parameter.IndexOf((byte)'=');
                if (equals < 0)
                {
                    return;
                }

                var name = Trim(parameter[..equals]);
                var parameterValue = Trim(parameter[(equals + 1)..]);
                if (name.Length == 1 && (name[0] | 0x20) == 'q')
                {
                    if (!TryParseWeight(parameterValue, out weight))
                    {
                        return;
                    }
                }
                else if (name.IsEmpty || !IsToken(name) || parameterValue.IsEmpty)
                {
                    return;
                }

                if (next < 0)
                {
                    break;
                }

                parameters = parameters[(next + 1)..];
            }
        }

        if (token.Length == 1 && token[0] == '*')
        {
            _any = Math.Max(_any, weight);
        }
        else if (Ascii.EqualsIgnoreCase(token, "br"u8))
        {
            _brotli = Math.Max(_brotli, weight);
        }
        else if (Ascii.EqualsIgnoreCase(token, "gzip"u8) || Ascii.EqualsIgnoreCase(token, "x-gzip"u8))
        {
            _gzip = Math.Max(_gzip, weight);
        }
    }

    /// <summary>qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ), in thousandths.</summary>
    internal static bool TryParseWeight(ReadOnlySpan<byte> text, out int weight)
    {
        weight = 0;
        if (text.IsEmpty || text.Length > 5 || text[0] is not ((byte)'0' or (byte)'1'))
        {
            return false;
        }

        int whole = text[0] - '0';
        if (text.Length == 1)
        {
            weight = whole * 1000;
            return true;
        }

        if (text[1] != '.')
        {
            return false;
        }

        int fraction = 0;
        int scale = 100;
        for (int i = 2; i < text.Length; i++)
        {
            int digit = text[i] - '0';
            if ((uint)digit > 9 || (whole == 1 && digit != 0))
            {
                return false;
            }

            fraction += digit * scale;
            scale /= 10;
        }

        weight = whole * 1000 + fraction;
        return true;
    }

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> span) => span.Trim(" \t"u8);

    private static bool IsToken(ReadOnlySpan<byte> token)
    {
        foreach (byte b in token)
        {
            if (b <= 32 || b >= 127 || "\"(),/:;<=>?@[\\]{}"u8.Contains(b))
            {
                return false;
            }
        }

        return true;
    }
}
