using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace EdgeGw.Protocols.Infrastructure;

/// <summary>
/// An IP address as 128 bits, IPv4 held IPv4-mapped (<c>::ffff:a.b.c.d</c>) so that one comparison serves both
/// families: a value type the PROXY protocol reader, X-Forwarded-For walk and CIDR checks pass around without
/// allocating an <see cref="IPAddress"/>.
/// </summary>
public readonly record struct IPAddressValue(UInt128 Value)
{
    private static readonly UInt128 MappedPrefix = (UInt128)0xFFFF << 32;

    /// <summary>True for an IPv4 address (held IPv4-mapped).</summary>
    public bool IsIPv4 => (Value >> 32) == 0xFFFF;

    public static IPAddressValue FromIPv4(uint address) => new(MappedPrefix | address);

    /// <summary>Sixteen bytes in network order (an IPv6 address, or IPv4-mapped).</summary>
    public static IPAddressValue FromIPv6(ReadOnlySpan<byte> bytes) => new(BinaryPrimitives.ReadUInt128BigEndian(bytes));

    public static IPAddressValue From(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(bytes, out _);
            return FromIPv4(BinaryPrimitives.ReadUInt32BigEndian(bytes));
        }

        address.TryWriteBytes(bytes, out _);
        return FromIPv6(bytes);
    }

    /// <summary>An <see cref="IPAddress"/> (IPv4 for an IPv4-mapped value): per connection, not per request.</summary>
    public IPAddress ToIPAddress()
    {
        Span<byte> bytes = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, Value);
        return IsIPv4 ? new IPAddress(bytes[12..]) : new IPAddress(bytes);
    }

    public override string ToString()
    {
        Span<byte> text = stackalloc byte[IPAddressText.MaxLength];
        return System.Text.Encoding.ASCII.GetString(text[..IPAddressText.Format(this, text)]);
    }
}
