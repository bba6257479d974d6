using System.Text;
using EdgeGw.Protocols.Infrastructure;

namespace EdgeGw.Protocols.Http1;

/// <summary>Collects the framing headers of one message and applies RFC 9112 §6 to them.</summary>
internal struct FramingState
{
    public bool HasContentLength;
    public bool HasTransferEncoding;
    public bool Chunked;
    public bool LastIsChunked;
    public bool OtherCoding;
    public bool InvalidCoding;
    public bool ConnectionClose;
    public bool ConnectionKeepAlive;
    public bool ConnectionUpgrade;
    public bool HasUpgrade;
    public long ContentLength;

    /// <summary>Records close/keep-alive/upgrade; returns true when the field names other options (hop-by-hop headers).</summary>
    public bool ObserveConnection(ReadOnlySpan<byte> value)
    {
        bool otherOptions = false;
        foreach (var token in new FieldListEnumerator(value))
        {
            if (Ascii.EqualsIgnoreCase(token, "close"u8))
            {
                ConnectionClose = true;
            }
            else if (Ascii.EqualsIgnoreCase(token, "keep-alive"u8))
            {
                ConnectionKeepAlive = true;
            }
            else
            {
                ConnectionUpgrade |= Ascii.EqualsIgnoreCase(token, "upgrade"u8);
                otherOptions = true;
            }
        }

        return otherOptions;
    }

    public HttpParseError Observe(in HeaderLine header)
    {
        switch (header.Known)
        {
            case KnownHeader.ContentLength:
                // A list ("5, 5") or a repeated field is rejected even when the values agree: a peer that
                // picks a different one is how requests get smuggled.
                if (HasContentLength)
                {
                    return HttpParseError.MultipleContentLength;
                }

                if (!HttpCharacters.TryParseDecimal(header.Value, out ContentLength))
                {
                    return HttpParseError.InvalidContentLength;
                }

                HasContentLength = true;
                break;
            case KnownHeader.TransferEncoding:
                HasTransferEncoding = true;
                bool any = false;
                foreach (var coding in new FieldListEnumerator(header.Value))
                {
                    any = true;
                    if (Ascii.EqualsIgnoreCase(coding, "chunked"u8))
                    {
                        if (Chunked)
                        {
                            // chunked applied twice
                            InvalidCoding = true;
                        }

                        Chunked = true;
                        LastIsChunked = true;
                    }
                    else
                    {
                        int semicolon = coding.IndexOf((byte)';');
                        var name = semicolon < 0 ? coding : HttpCharacters.TrimWhitespace(coding[..semicolon]);
                        if (!HttpCharacters.IsToken(name))
                        {
                            InvalidCoding = true;
                        }

                        OtherCoding = true;
                        LastIsChunked = false;
                    }
                }

                if (!any)
                {
                    InvalidCoding = true;
                }

                break;
        }

        return HttpParseError.None;
    }

    public readonly HttpParseError ResolveRequestBody(ref RequestHead result)
    {
        if (HasTransferEncoding)
        {
            if (HasContentLength)
            {
                return HttpParseError.BothContentLengthAndTransferEncoding;
            }

            if (InvalidCoding || !LastIsChunked)
            {
                return HttpParseError.InvalidTransferEncoding;
            }

            if (OtherCoding)
            {
                return HttpParseError.UnsupportedTransferCoding;
            }

            result.Body = BodyKind.Chunked;
            return HttpParseError.None;
        }

        if (HasContentLength && ContentLength > 0)
        {
            result.Body = BodyKind.ContentLength;
            result.ContentLength = ContentLength;
        }

        return HttpParseError.None;
    }
}
