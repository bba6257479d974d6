using System.Text;

namespace EdgeGw.Protocols.Http1;

public static class KnownHeaders
{
    public static KnownHeader Classify(ReadOnlySpan<byte> name)
    {
        // Dispatch on length first: one comparison for most unknown headers.
        switch (name.Length)
        {
            case 2:
                return Ascii.EqualsIgnoreCase(name, "te"u8) ? KnownHeader.TE : KnownHeader.None;
            case 4:
                return Ascii.EqualsIgnoreCase(name, "host"u8) ? KnownHeader.Host : KnownHeader.None;
            case 6:
                return Ascii.EqualsIgnoreCase(name, "expect"u8) ? KnownHeader.Expect : KnownHeader.None;
            case 7:
                if (Ascii.EqualsIgnoreCase(name, "trailer"u8))
                {
                    return KnownHeader.Trailer;
                }

                return Ascii.EqualsIgnoreCase(name, "upgrade"u8) ? KnownHeader.Upgrade : KnownHeader.None;
            case 10:
                if (Ascii.EqualsIgnoreCase(name, "connection"u8))
                {
                    return KnownHeader.Connection;
                }

                if (Ascii.EqualsIgnoreCase(name, "keep-alive"u8))
                {
                    return KnownHeader.KeepAlive;
                }

                if (Ascii.EqualsIgnoreCase(name, "tracestate"u8))
                {
                    return KnownHeader.TraceState;
                }

                break;
            case 11:
                return Ascii.EqualsIgnoreCase(name, "traceparent"u8) ? KnownHeader.TraceParent : KnownHeader.None;
            case 12:
                if (Ascii.EqualsIgnoreCase(name, "x-request-id"u8))
                {
                    return KnownHeader.XRequestId;
                }

                break;
            case 14:
                if (Ascii.EqualsIgnoreCase(name, "content-length"u8))
                {
                    return KnownHeader.ContentLength;
                }

                break;
            case 15:
                if (Ascii.EqualsIgnoreCase(name, "x-forwarded-for"u8))
                {
                    return KnownHeader.XForwardedFor;
                }

                break;
            case 16:
                if (Ascii.EqualsIgnoreCase(name, "x-forwarded-host"u8))
                {
                    return KnownHeader.XForwardedHost;
                }

                break;
            case 17:
                if (Ascii.EqualsIgnoreCase(name, "transfer-encoding"u8))
                {
                    return KnownHeader.TransferEncoding;
                }

                if (Ascii.EqualsIgnoreCase(name, "x-forwarded-proto"u8))
                {
                    return KnownHeader.XForwardedProto;
                }

                break;
        }

        return name.Length > 6 && Ascii.EqualsIgnoreCase(name[..6], "proxy-"u8) ? KnownHeader.ProxyPrefixed : KnownHeader.None;
    }

    /// <summary>True for headers that describe one connection and never cross the proxy (RFC 9110 §7.6.1).</summary>
    public static bool IsHopByHop(KnownHeader header) => header switch
    {
        KnownHeader.Connection or KnownHeader.KeepAlive or KnownHeader.TE or KnownHeader.Trailer
            or KnownHeader.TransferEncoding or KnownHeader.Upgrade or KnownHeader.ProxyPrefixed => true,
        _ => false,
    };
}
