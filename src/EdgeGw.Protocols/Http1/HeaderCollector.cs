using System.Text;

namespace EdgeGw.Protocols.Http1;

/// <summary>Records header offsets while the parser walks a head. Sized by the scanner's header count limit.</summary>
public struct HeaderCollector : IHttpHeadersHandler
{
    public HeaderEntry[] Entries;
    public int Count;

    public HeaderCollector(HeaderEntry[] entries)
    {
        Entries = entries;
        Count = 0;
    }

    public void OnHeader(in HeaderLine header)
    {
        if ((uint)Count >= (uint)Entries.Length)
        {
            // The scanner bounds the count; a head bigger than the array is a caller bug, not client input.
            throw new InvalidOperationException("Header table too small for the configured header count limit.");
        }

        Entries[Count++] = new HeaderEntry
        {
            Known = header.Known,
            IsDate = header.Name.Length == 4 && Ascii.EqualsIgnoreCase(header.Name, "date"u8),
            NameOffset = header.NameOffset,
            NameLength = header.Name.Length,
            ValueOffset = header.ValueOffset,
            ValueLength = header.Value.Length,
        };
    }
}
