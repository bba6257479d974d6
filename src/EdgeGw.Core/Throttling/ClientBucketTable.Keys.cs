using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace EdgeGw.Core.Throttling;

/// <summary>How a client key becomes a slot's two packed words and its hash.</summary>
public sealed partial class ClientBucketTable
{
    /// <summary>
    /// The hash of a key packed into two words: XXH3's construction for 9-16 byte inputs (the words keyed with
    /// per-process secrets, a 128-bit multiply folded to 64 bits, XXH3's avalanche), inline instead of a call
    /// through the general entry point. Secret keys keep the probe sequences unpredictable to clients.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ulong Mix(ulong k0, ulong k1)
    {
        ulong high = Math.BigMul(k0 ^ _secret0, k1 ^ _secret1, out ulong low);
        ulong hash = high ^ low ^ k1;
        hash ^= hash >> 37;
        hash *= 0x165667919E3779F9UL;
        return hash ^ (hash >> 32);
    }

    /// <summary>
    /// The key as two words: up to 15 bytes inline with the length in the last byte; a longer key keeps its first
    /// 15 bytes and a marker, and is compared in full against the copy in its slot's extra.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pack(ReadOnlySpan<byte> key, out ulong k0, out ulong k1)
    {
        // Overlapping unaligned loads instead of a copy: an IPv4 address packs in four loads and two shifts.
        ref byte start = ref MemoryMarshal.GetReference(key);
        int length = key.Length;
        if (length >= 8)
        {
            k0 = Unsafe.ReadUnaligned<ulong>(ref start);
            if (length > InlineKeyBytes)
            {
                ulong next = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, 8));
                k1 = (next & 0x00FF_FFFF_FFFF_FFFFUL) | ((ulong)LongKeyMarker << 56);
                return;
            }

            // Bytes 8..length-1 from the last eight bytes, shifted down past the ones k0 already holds.
            ulong tail = length == 8 ? 0 : Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref start, length - 8)) >> (8 * (16 - length));
            k1 = tail | ((ulong)length << 56);
            return;
        }

        k1 = (ulong)length << 56;
        if (length >= 4)
        {
            ulong low = Unsafe.ReadUnaligned<uint>(ref start);
            ulong high = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref start, length - 4));
            k0 = low | (high << (8 * (length - 4)));
            return;
        }

        k0 = PackFewBytes(key);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ulong PackFewBytes(ReadOnlySpan<byte> key)
    {
        ulong packed = 0;
        for (int i = 0; i < key.Length; i++)
        {
            packed |= (ulong)key[i] << (8 * i);
        }

        return packed;
    }
}
