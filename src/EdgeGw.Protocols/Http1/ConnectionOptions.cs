using System.Text;

namespace EdgeGw.Protocols.Http1;

/// <summary>Header names listed in a Connection header, which are hop-by-hop for that message (RFC 9110 §7.6.1).</summary>
public static class ConnectionOptions
{
    public static bool Names(ReadOnlySpan<byte> head, ReadOnlySpan<HeaderEntry> headers, ReadOnlySpan<byte> name)
    {
        foreach (ref readonly var entry in headers)
        {
            if (entry.Known != KnownHeader.Connection)
            {
                continue;
            }

            foreach (var token in new FieldListEnumerator(entry.Value(head)))
            {
                if (Ascii.EqualsIgnoreCase(token, name))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
