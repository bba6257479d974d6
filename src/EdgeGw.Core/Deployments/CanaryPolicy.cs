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

    /// <summary>
    /// A fixed (unseeded: the same value lands on the same side on every instance and after a restart) 64-bit hash:
    /// MurmurHash3's block mixing over 8 bytes at a time, then its finalizer so that the high bits are uniform.
    /// 8 bytes a step, not FNV-1a's one: a 36-byte session id, 40 ns byte by byte, 7.6 ns so (bench/…/CanaryBenchmarks, short job).
    /// </summary>
    public static ulong StickyHash(ReadOnlySpan<byte> key)
    {
        const ulong c1 = 0x87c37b91114253d5UL;
        const ulong c2 = 0x4cf5ad432745937fUL;
        ulong hash = 0x9E3779B97F4A7C15UL ^ (ulong)key.Length;
        while (key.Length >= 8)
        {
            ulong block = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(key);
            hash ^= ulong.RotateLeft(block * c1, 31) * c2;
            hash = (ulong.RotateLeft(hash, 27) * 5) + 0x52dce729;
            key = key[8..];
        }

        if (!key.IsEmpty)
        {
            ulong tail = 0;
            for (int i = 0; i < key.Length; i++)
            {
                tail |= (ulong)key[i] << (8 * i);
            }

            hash ^= ulong.RotateLeft(tail * c1, 31) * c2;
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
