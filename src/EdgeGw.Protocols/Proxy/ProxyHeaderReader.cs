using System.Buffers;
using System.Buffers.Binary;
using EdgeGw.Protocols.Infrastructure;

namespace EdgeGw.Protocols.Proxy;

/// <summary>
/// Reads the PROXY protocol header (HAProxy's specification, versions 1 and 2) at the start of a connection,
/// strictly and without allocating: the buffer may be cut anywhere; what a header needs is copied to the stack.
/// <list type="bullet">
/// <item>v1: <c>PROXY TCP4|TCP6 src dst sport dport\r\n</c> with single spaces, addresses of the named family,
/// decimal ports 0..65535, at most 107 bytes; <c>PROXY UNKNOWN…\r\n</c> keeps the socket's addresses.</item>
/// <item>v2: the 12-byte signature, version 2, command LOCAL (addresses ignored) or PROXY, family AF_INET /
/// AF_INET6 (addresses used) or AF_UNSPEC / AF_UNIX (socket's addresses kept), the address block and TLVs
/// (skipped, but each must fit), at most <see cref="MaxV2Length"/> bytes in all.</item>
/// </list>
/// Anything else is an error as soon as a byte shows it, so a client that is not a proxy is refused at once.
/// </summary>
public static class ProxyHeaderReader
{
    /// <summary>The longest v1 line, CRLF included (the specification's limit).</summary>
    public const int MaxV1Length = 107;

    /// <summary>
    /// The longest v2 header accepted: 16 bytes, the largest address block (AF_UNIX, 216) and room for TLVs
    /// (AWS's VPC endpoint id, HAProxy's SSL and unique-id TLVs are tens to a few hundred bytes).
    /// </summary>
    public const int MaxV2Length = 4096;

    private const int V2FixedLength = 16;
    private const int V2MaxAddressBlock = 216;

    private static ReadOnlySpan<byte> V1Signature => "PROXY "u8;
    private static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    public static ProxyHeaderStatus TryRead(in ReadOnlySequence<byte> buffer, out ProxyHeader header, out long consumed, out ProxyHeaderError error)
    {
        header = default;
        consumed = 0;
        error = ProxyHeaderError.None;
        if (buffer.IsEmpty)
        {
            return ProxyHeaderStatus.Incomplete;
        }

        byte first = buffer.FirstSpan[0];
        if (first == V1Signature[0])
        {
            return ReadV1(buffer, ref header, ref consumed, ref error);
        }

        if (first == V2Signature[0])
        {
            return ReadV2(buffer, ref header, ref consumed, ref error);
        }

        error = ProxyHeaderError.Missing;
        return ProxyHeaderStatus.Error;
    }

    private static ProxyHeaderStatus ReadV1(in ReadOnlySequence<byte> buffer, ref ProxyHeader header, ref long consumed, ref ProxyHeaderError error)
    {
        Span<byte> line = stackalloc byte[MaxV1Length];
        int available = (int)Math.Min(buffer.Length, MaxV1Length);
        buffer.Slice(0, available).CopyTo(line);
        line = line[..available];

        int signature = Math.Min(available, V1Signature.Length);
        if (!line[..signature].SequenceEqual(V1Signature[..signature]))
        {
            error = ProxyHeaderError.Missing;
            return ProxyHeaderStatus.Error;
        }

        int end = line.IndexOf("\r\n"u8);
        if (end < 0)
        {
            // A lone LF, or CR followed by something else, can never become the end of the line.
            int lf = line.IndexOf((byte)'\n');
            int cr = line.IndexOf((byte)'\r');
            if (lf >= 0 || (cr >= 0 && cr < available - 1))
            {
                error = ProxyHeaderError.MalformedV1;
                return ProxyHeaderStatus.Error;
            }

            if (available == MaxV1Length)
            {
                error = ProxyHeaderError.TooLongV1;
                return ProxyHeaderStatus.Error;
            }

            return ProxyHeaderStatus.Incomplete;
        }

        var body = line[V1Signature.Length..end];
        if (body.IndexOfAny((byte)'\r', (byte)'\n') >= 0)
        {
            error = ProxyHeaderError.MalformedV1;
            return ProxyHeaderStatus.Error;
        }

        header.Version = 1;
        consumed = end + 2;
        if (body.StartsWith("UNKNOWN"u8) && (body.Length == 7 || body[7] == ' '))
        {
            // The sender speaks the protocol but cannot say who the client is: what follows is ignored.
            return ProxyHeaderStatus.Complete;
        }

        bool v6;
        if (body.StartsWith("TCP4 "u8))
        {
            v6 = false;
        }
        else if (body.StartsWith("TCP6 "u8))
        {
            v6 = true;
        }
        else
        {
            return MalformedV1(ref error, ref consumed);
        }

        body = body[5..];
        if (!NextField(ref body, out var source) || !NextField(ref body, out var destination)
            || !NextField(ref body, out var sourcePort) || body.IsEmpty || body.IndexOf((byte)' ') >= 0)
        {
            return MalformedV1(ref error, ref consumed);
        }

        bool addresses = v6
            ? IPAddressText.TryParseIPv6(source, out header.Source) && IPAddressText.TryParseIPv6(destination, out header.Destination)
            : IPAddressText.TryParseIPv4(source, out header.Source) && IPAddressText.TryParseIPv4(destination, out header.Destination);
        if (!addresses || !TryParsePort(sourcePort, out header.SourcePort) || !TryParsePort(body, out header.DestinationPort))
        {
            header = default;
            return MalformedV1(ref error, ref consumed);
        }

        header.Version = 1;
        header.HasAddresses = true;
        header.IsIPv6 = v6;
        return ProxyHeaderStatus.Complete;
    }

    private static ProxyHeaderStatus MalformedV1(ref ProxyHeaderError error, ref long consumed)
    {
        consumed = 0;
        error = ProxyHeaderError.MalformedV1;
        return ProxyHeaderStatus.Error;
    }

    /// <summary>The field before the next single space; an empty field (two spaces) fails.</summary>
    private static bool NextField(ref Span<byte> rest, out Span<byte> field)
    {
        int space = rest.IndexOf((byte)' ');
        field = space > 0 ? rest[..space] : default;
        rest = space > 0 ? rest[(space + 1)..] : default;
        return space > 0;
    }

    /// <summary>1-5 decimal digits, 0..65535.</summary>
    private static bool TryParsePort(ReadOnlySpan<byte> text, out ushort port)
    {
        port = 0;
        if (text.Length is 0 or > 5)
        {
            return false;
        }

        int value = 0;
        foreach (byte c in text)
        {
            if ((uint)(c - '0') > 9)
            {
                return false;
            }

            value = value * 10 + (c - '0');
        }

        if (value > ushort.MaxValue)
        {
            return false;
        }

        port = (ushort)value;
        return true;
    }

    private static ProxyHeaderStatus ReadV2(in ReadOnlySequence<byte> buffer, ref ProxyHeader header, ref long consumed, ref ProxyHeaderError error)
    {
        Span<byte> head = stackalloc byte[V2FixedLength + V2MaxAddressBlock];
        int available = (int)Math.Min(buffer.Length, head.Length);
        buffer.Slice(0, available).CopyTo(head);
        head = head[..available];

        int signature = Math.Min(available, V2Signature.Length);
        if (!head[..signature].SequenceEqual(V2Signature[..signature]))
        {
            error = ProxyHeaderError.Missing;
            return ProxyHeaderStatus.Error;
        }

        if (available > 12)
        {
            byte versionCommand = head[12];
            if (versionCommand >> 4 != 2 || (versionCommand & 0xF) > 1)
            {
                error = ProxyHeaderError.MalformedV2;
                return ProxyHeaderStatus.Error;
            }
        }

        bool local = available > 12 && (head[12] & 0xF) == 0;
        if (available > 13 && !local && !IsKnownFamily(head[13]))
        {
            error = ProxyHeaderError.MalformedV2;
            return ProxyHeaderStatus.Error;
        }

        if (available < V2FixedLength)
        {
            return ProxyHeaderStatus.Incomplete;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(head[14..]);
        if (V2FixedLength + length > MaxV2Length)
        {
            error = ProxyHeaderError.TooLongV2;
            return ProxyHeaderStatus.Error;
        }

        // The address block this family needs (a LOCAL command's block, whatever it holds, is skipped).
        int family = local ? 0 : head[13] >> 4;
        int addressLength = family switch { 1 => 12, 2 => 36, 3 => 216, _ => 0 };
        if (length < addressLength)
        {
            error = ProxyHeaderError.MalformedV2;
            return ProxyHeaderStatus.Error;
        }

        if (buffer.Length < V2FixedLength + length)
        {
            return ProxyHeaderStatus.Incomplete;
        }

        // AF_UNSPEC's block has no defined layout; the others end in TLVs.
        if (family != 0 && !TlvsFit(buffer.Slice(V2FixedLength + addressLength, length - addressLength)))
        {
            error = ProxyHeaderError.MalformedTlv;
            return ProxyHeaderStatus.Error;
        }

        header.Version = 2;
        consumed = V2FixedLength + length;
        var block = head[V2FixedLength..];
        if (family == 1)
        {
            header.Source = IPAddressValue.FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(block));
            header.Destination = IPAddressValue.FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(block[4..]));
            header.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(block[8..]);
            header.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(block[10..]);
            header.HasAddresses = true;
        }
        else if (family == 2)
        {
            header.Source = IPAddressValue.FromIPv6(block);
            header.Destination = IPAddressValue.FromIPv6(block[16..]);
            header.SourcePort = BinaryPrimitives.ReadUInt16BigEndian(block[32..]);
            header.DestinationPort = BinaryPrimitives.ReadUInt16BigEndian(block[34..]);
            header.HasAddresses = true;
            header.IsIPv6 = true;
        }

        return ProxyHeaderStatus.Complete;
    }

    /// <summary>The specification's family/transport bytes: UNSPEC, and INET, INET6, UNIX over STREAM or DGRAM.</summary>
    private static bool IsKnownFamily(byte value) => value is 0x00 or 0x11 or 0x12 or 0x21 or 0x22 or 0x31 or 0x32;

    /// <summary>Each TLV (type, 16-bit length, value) ends within the header.</summary>
    private static bool TlvsFit(ReadOnlySequence<byte> tlvs)
    {
        var reader = new SequenceReader<byte>(tlvs);
        while (reader.Remaining > 0)
        {
            if (reader.Remaining < 3)
            {
                return false;
            }

            reader.Advance(1);
            reader.TryReadBigEndian(out short length);
            if (reader.Remaining < (ushort)length)
            {
                return false;
            }

            reader.Advance((ushort)length);
        }

        return true;
    }
}
