using EdgeGw.Core.ClientAddresses;
using EdgeGw.Protocols.Infrastructure;

namespace EdgeGw.Core.SourceIp;

/// <summary>
/// A <c>sourceIp</c> object compiled: the allow and deny lists as prefix tables (see <see cref="PrefixTable"/>).
/// A client is refused when it is in a deny block, or when allow blocks exist and it is in none of them; an
/// address that does not parse is in no block.
/// </summary>
public sealed class SourceIpPolicy
{
    private readonly PrefixTable? _allow;
    private readonly PrefixTable? _deny;

    private SourceIpPolicy(PrefixTable? allow, PrefixTable? deny)
    {
        _allow = allow;
        _deny = deny;
    }

    public static SourceIpPolicy Create(IReadOnlyList<string> allow, IReadOnlyList<string> deny) =>
        new(allow.Count == 0 ? null : PrefixTable.Create(allow), deny.Count == 0 ? null : PrefixTable.Create(deny));

    /// <summary>Whether the client at <paramref name="address"/> (ASCII text, as the gateway holds it) may call the route.</summary>
    public bool Allows(ReadOnlySpan<byte> address)
    {
        if (!IPAddressText.TryParse(address, out var value))
        {
            return _allow is null;
        }

        return Allows(value);
    }

    public bool Allows(IPAddressValue address) =>
        (_deny is null || !_deny.Contains(address)) && (_allow is null || _allow.Contains(address));
}

/// <summary>
/// CIDR blocks as a compiled prefix table: for each distinct prefix length (longest first) a sorted array of
/// prefixes, searched by binary search after one mask. IPv4 blocks are held IPv4-mapped (<c>10.0.0.0/8</c> is
/// <c>::ffff:10.0.0.0/104</c>), so an IPv4 client, written either way, matches them and IPv6 blocks alike;
/// <c>0.0.0.0/0</c> is every IPv4 address and <c>::/0</c> every address. A lookup allocates nothing.
/// </summary>
public sealed class PrefixTable
{
    private readonly UInt128[] _masks;
    private readonly UInt128[][] _prefixes;

    private PrefixTable(UInt128[] masks, UInt128[][] prefixes)
    {
        _masks = masks;
        _prefixes = prefixes;
    }

    /// <summary>Compiles blocks that <see cref="TrustedProxies.TryParseNetwork"/> accepted.</summary>
    public static PrefixTable Create(IReadOnlyList<string> networks)
    {
        var byLength = new SortedDictionary<int, SortedSet<UInt128>>(Comparer<int>.Create((a, b) => b.CompareTo(a)));
        foreach (string network in networks)
        {
            if (!TrustedProxies.TryParseNetwork(network, out var address, out int bits, out _))
            {
                throw new ArgumentException($"'{network}' is not a CIDR block", nameof(networks));
            }

            int length = address.IsIPv4 && !network.Contains(':', StringComparison.Ordinal) ? bits + 96 : bits;
            var mask = Mask(length);
            if (!byLength.TryGetValue(length, out var set))
            {
                byLength[length] = set = [];
            }

            set.Add(address.Value & mask);
        }

        var masks = new UInt128[byLength.Count];
        var prefixes = new UInt128[byLength.Count][];
        int i = 0;
        foreach (var (length, set) in byLength)
        {
            masks[i] = Mask(length);
            prefixes[i++] = [.. set];
        }

        return new PrefixTable(masks, prefixes);
    }

    public bool Contains(IPAddressValue address)
    {
        var value = address.Value;
        var masks = _masks;
        var prefixes = _prefixes;
        for (int i = 0; i < masks.Length; i++)
        {
            if (Array.BinarySearch(prefixes[i], value & masks[i]) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    private static UInt128 Mask(int length) => length == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - length);
}
