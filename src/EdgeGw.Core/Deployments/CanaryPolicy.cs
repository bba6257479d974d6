namespace EdgeGw.Core.Deployments;

/// <summary>
/// A stage's compiled canary (<c>apis[].stages[].canary</c>), hung off each of the stage's primary routes: which
/// share of requests goes to the canary deployment's routes, and whether a client keeps its side (<c>sticky</c>).
/// The decision is a compare of 32 random (or hashed) bits against a threshold: no lock, no allocation.
/// </summary>
public sealed class CanaryPolicy
{
    private const double Scale = 4294967296.0; // 2^32

    public CanaryPolicy(int deployment, double percentTraffic, string? stickyHeader = null, string? stickyCookie = null)
    {
        Deployment = deployment;
        PercentTraffic = percentTraffic;
        // percentTraffic / 100 of the 2^32 values a 32-bit draw takes: 10.0 → 429496730 (an error below 1e-9).
        Threshold = (ulong)Math.Round(Math.Clamp(percentTraffic, 0, 100) / 100.0 * Scale);
        StickyHeader = stickyHeader is null ? null : System.Text.Encoding.ASCII.GetBytes(stickyHeader.ToLowerInvariant());
        StickyCookie = stickyCookie is null ? null : System.Text.Encoding.ASCII.GetBytes(stickyCookie);
    }

    /// <summary>The canary's deployment number.</summary>
    public int Deployment { get; }

    /// <summary>The share of requests (0..100) the canary serves, as configured.</summary>
    public double PercentTraffic { get; }

    /// <summary>Draws below this (of 2^32) go to the canary.</summary>
    public ulong Threshold { get; }

    /// <summary>Lower-case header name whose value keeps a client on one side; null when not sticky by header.</summary>
    public byte[]? StickyHeader { get; }

    /// <summary>Cookie name whose value keeps a client on one side; null when not sticky by cookie.</summary>
    public byte[]? StickyCookie { get; }

    /// <summary>Whether a request drawing <paramref name="random"/> (64 uniform bits; the high 32 are used) goes to the canary.</summary>
    public bool Chooses(ulong random) => (random >> 32) < Threshold;

    /// <summary>Whether the client identified by <paramref name="key"/> (a sticky header's or cookie's value) goes to the canary: the same key always decides the same way.</summary>
    public bool ChoosesKey(ReadOnlySpan<byte> key) => Chooses(StickyHash(key));

    /// <summary>FNV-1a over the bytes, then MurmurHash3's 64-bit finalizer so that the high bits are uniform for similar keys.</summary>
    public static ulong StickyHash(ReadOnlySpan<byte> key)
    {
        ulong hash = 14695981039346656037UL;
        foreach (byte b in key)
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        hash *= 0xc4ceb9fe1a85ec53UL;
        hash ^= hash >> 33;
        return hash;
    }

    /// <summary>The value of cookie <paramref name="name"/> in a Cookie header (<c>a=1; b=2</c>); empty when absent.</summary>
    public static ReadOnlySpan<byte> CookieValue(ReadOnlySpan<byte> header, ReadOnlySpan<byte> name)
    {
        while (!header.IsEmpty)
        {
            int end = header.IndexOf((byte)';');
            var pair = end < 0 ? header : header[..end];
            header = end < 0 ? default : header[(end + 1)..];
            pair = pair.Trim((byte)' ');
            int eq = pair.IndexOf((byte)'=');
            if (eq > 0 && pair[..eq].TrimEnd((byte)' ').SequenceEqual(name))
            {
                var value = pair[(eq + 1)..].Trim((byte)' ');
                return value.Length >= 2 && value[0] == (byte)'"' && value[^1] == (byte)'"' ? value[1..^1] : value;
            }
        }

        return default;
    }
}
