using System.Collections.Concurrent;
using System.IO.Hashing;
using System.Security.Cryptography;

namespace EdgeGw.Core.UsagePlans;

/// <summary>
/// Finds a key by the value a client presented. Keys are held as SHA-256 digests; hashing every request's key
/// with SHA-256 would cost more than the rest of the request, so a key that verified once is remembered (in
/// memory only, bounded) under a seeded xxHash3 of its value and compared in constant time afterwards.
/// </summary>
internal sealed class KeyIndex
{
    private const int MaxVerified = 10_000;
    private readonly Dictionary<UInt128, ApiKeyState> _byDigest = [];
    private readonly ConcurrentDictionary<ulong, (byte[] Value, ApiKeyState Key)> _verified = new();
    private readonly long _seed = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(8));

    public KeyIndex(IEnumerable<ApiKeyState> keys)
    {
        foreach (var key in keys)
        {
            _byDigest[Prefix(key.Digest)] = key;
        }
    }

    public ApiKeyState? Find(ReadOnlySpan<byte> presented)
    {
        if (presented.Length > 256)
        {
            return null;
        }

        ulong hash = XxHash3.HashToUInt64(presented, _seed);
        if (_verified.TryGetValue(hash, out var known) && CryptographicOperations.FixedTimeEquals(known.Value, presented))
        {
            return known.Key;
        }

        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(presented, digest);
        if (!_byDigest.TryGetValue(Prefix(digest), out var key) || !CryptographicOperations.FixedTimeEquals(key.Digest, digest))
        {
            return null;
        }

        if (_verified.Count < MaxVerified)
        {
            _verified[hash] = (presented.ToArray(), key);
        }

        return key;
    }

    private static UInt128 Prefix(ReadOnlySpan<byte> digest) => System.Buffers.Binary.BinaryPrimitives.ReadUInt128LittleEndian(digest);
}
