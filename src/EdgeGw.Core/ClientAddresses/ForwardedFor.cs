using EdgeGw.Protocols.Http1;
using EdgeGw.Protocols.Infrastructure;

namespace EdgeGw.Core.ClientAddresses;

/// <summary>
/// Where the client is in a request's X-Forwarded-For, for a peer in <c>server.trustedProxies</c>: walking the
/// addresses from the right (the last header line's last element first), each trusted one is a proxy of ours and
/// the first untrusted one is the client. Bounded and allocation-free: at most <see cref="TrustedProxies.MaxHops"/>
/// addresses, parsed in place.
/// <list type="bullet">
/// <item>All walked addresses trusted (a chain that begins inside our network): the left-most is the client.</item>
/// <item>An element that is not an IP address (a name, <c>unknown</c>, a port, garbage), or more than
/// <see cref="TrustedProxies.MaxHops"/> trusted hops: the walk stops there and the client is the last address
/// walked — the nearest hop that vouched for what came before it — or, when the right-most element itself is
/// malformed, the peer. Nothing left of a value no trusted hop could have written is believed.</item>
/// <item>Empty elements (<c>a,,b</c>, RFC 9110's list syntax) are skipped.</item>
/// </list>
/// </summary>
public static class ForwardedFor
{
    /// <summary>
    /// Finds the client. False when X-Forwarded-For names none (absent, or its right-most element malformed): the
    /// client is the peer. When true, <paramref name="headerIndex"/> and <paramref name="keepLength"/> say what of
    /// the header goes on toward the backend: the lines before that index whole, and that line's first
    /// <paramref name="keepLength"/> bytes (the hops left of the client, which may end in a comma and spaces).
    /// </summary>
    public static bool TryFindClient(ReadOnlySpan<byte> head, ReadOnlySpan<HeaderEntry> headers, TrustedProxies trusted,
        out IPAddressValue client, out int headerIndex, out int keepLength)
    {
        client = default;
        headerIndex = -1;
        keepLength = 0;
        int hops = 0;
        for (int h = headers.Length - 1; h >= 0; h--)
        {
            if (headers[h].Known != KnownHeader.XForwardedFor)
            {
                continue;
            }

            var value = headers[h].Value(head);
            int end = value.Length;
            while (end > 0)
            {
                int comma = value[..end].LastIndexOf((byte)',');
                int start = comma + 1;
                var element = Trim(value[start..end]);
                end = comma < 0 ? 0 : comma;
                if (element.IsEmpty)
                {
                    if (comma < 0)
                    {
                        break;
                    }

                    continue;
                }

                if (hops == TrustedProxies.MaxHops || !IPAddressText.TryParse(element, out var address))
                {
                    return headerIndex >= 0;
                }

                hops++;
                client = address;
                headerIndex = h;
                keepLength = start;
                if (!trusted.Contains(address))
                {
                    return true;
                }

                if (comma < 0)
                {
                    break;
                }
            }
        }

        return headerIndex >= 0;
    }

    /// <summary>The kept part of a line without its trailing separator (<c>"a, b, "</c> → <c>"a, b"</c>).</summary>
    public static ReadOnlySpan<byte> TrimKept(ReadOnlySpan<byte> kept)
    {
        int n = kept.Length;
        while (n > 0 && kept[n - 1] is (byte)' ' or (byte)'\t' or (byte)',')
        {
            n--;
        }

        return kept[..n];
    }

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> element)
    {
        int start = 0;
        int end = element.Length;
        while (start < end && element[start] is (byte)' ' or (byte)'\t')
        {
            start++;
        }

        while (end > start && element[end - 1] is (byte)' ' or (byte)'\t')
        {
            end--;
        }

        return element[start..end];
    }
}
