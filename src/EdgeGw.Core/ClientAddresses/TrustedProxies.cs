using System.Collections.Immutable;
using EdgeGw.Protocols.Infrastructure;

namespace EdgeGw.Core.ClientAddresses;

/// <summary>
/// <c>server.trustedProxies</c> compiled: the CIDR blocks whose X-Forwarded-For the gateway believes. Each block is
/// a 128-bit prefix (IPv4 blocks IPv4-mapped), so a check is a mask and compare per block, no allocation.
/// </summary>
public sealed class TrustedProxies
{
    /// <summary>X-Forwarded-For addresses examined per request at most (from the right); a longer chain stops there.</summary>
    public const int MaxHops = 32;

    /// <summary>Config limit on the number of blocks (each request that is walked checks each hop against each).</summary>
    public const int MaxNetworks = 256;

    private readonly UInt128[] _prefixes;
    private readonly UInt128[] _masks;

    private TrustedProxies(UInt128[] prefixes, UInt128[] masks, ImmutableArray<string> networks)
    {
        _prefixes = prefixes;
        _masks = masks;
        Networks = networks;
    }

    /// <summary>The blocks in canonical text (<c>10.0.0.0/8</c>, <c>2001:db8::/32</c>), for diagnostics.</summary>
    public ImmutableArray<string> Networks { get; }

    public bool Contains(IPAddressValue address)
    {
        var value = address.Value;
        var prefixes = _prefixes;
        var masks = _masks;
        for (int i = 0; i < prefixes.Length; i++)
        {
            if ((value & masks[i]) == prefixes[i])
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Compiles blocks that <see cref="TryParseNetwork"/> accepted.</summary>
    public static TrustedProxies Create(IReadOnlyList<string> networks)
    {
        var prefixes = new UInt128[networks.Count];
        var masks = new UInt128[networks.Count];
        var names = ImmutableArray.CreateBuilder<string>(networks.Count);
        for (int i = 0; i < networks.Count; i++)
        {
            if (!TryParseNetwork(networks[i], out var address, out int bits, out _))
            {
                throw new ArgumentException($"'{networks[i]}' is not a CIDR block", nameof(networks));
            }

            int mapped = address.IsIPv4 && !networks[i].Contains(':', StringComparison.Ordinal) ? bits + 96 : bits;
            masks[i] = mapped == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - mapped);
            prefixes[i] = address.Value & masks[i];
            names.Add(networks[i]);
        }

        return new TrustedProxies(prefixes, masks, names.MoveToImmutable());
    }

    /// <summary>
    /// <c>a.b.c.d/n</c> (n 0..32), <c>v6/n</c> (n 0..128), or a bare address (one host). Host bits set below the
    /// prefix are refused (<c>10.1.2.3/8</c> is a typo more often than a wish for <c>10.0.0.0/8</c>).
    /// </summary>
    public static bool TryParseNetwork(string text, out IPAddressValue address, out int bits, out string? problem)
    {
        address = default;
        bits = 0;
        problem = null;
        int slash = text.IndexOf('/', StringComparison.Ordinal);
        string host = slash < 0 ? text : text[..slash];
        Span<byte> ascii = stackalloc byte[IPAddressText.MaxLength];
        if (host.Length > IPAddressText.MaxLength || System.Text.Encoding.ASCII.GetBytes(host, ascii) is var length && !IPAddressText.TryParse(ascii[..length], out address))
        {
            problem = $"'{text}' is not an IPv4 or IPv6 address or CIDR block like 10.0.0.0/8 or 2001:db8::/32";
            return false;
        }

        bool v4Text = !host.Contains(':', StringComparison.Ordinal);
        int max = v4Text ? 32 : 128;
        if (slash < 0)
        {
            bits = max;
            return true;
        }

        string suffix = text[(slash + 1)..];
        if (suffix.Length is 0 or > 3 || !int.TryParse(suffix, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out bits) || bits > max
            || (suffix.Length > 1 && suffix[0] == '0'))
        {
            problem = $"'{text}': the prefix length must be 0..{max}";
            return false;
        }

        int mapped = v4Text ? bits + 96 : bits;
        var mask = mapped == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - mapped);
        if ((address.Value & ~mask) != 0)
        {
            problem = $"'{text}' has bits set after the /{bits} prefix (did you mean {new IPAddressValue(address.Value & mask)}/{bits}?)";
            return false;
        }

        return true;
    }
}
