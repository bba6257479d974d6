using System.Collections.Immutable;
using System.Security.Cryptography;
using EdgeGw.Protocols.Http1;

namespace EdgeGw.Core.Caching;

/// <summary>
/// The compiled cache settings of one route on one stage (stage settings with the route's overrides applied).
/// A route without caching has no policy at all, so the request path tests one reference.
/// </summary>
public sealed class RouteCachePolicy
{
    private readonly ulong[] _statuses = new ulong[10];

    public required TimeSpan Ttl { get; init; }
    /// <summary>One bit per <see cref="HttpMethod"/> value.</summary>
    public required int MethodMask { get; init; }
    /// <summary>Query parameter names (raw bytes, compared exactly) that are part of the key, in key order.</summary>
    public required ImmutableArray<byte[]> KeyQuery { get; init; }
    /// <summary>Header names (ASCII, compared case-insensitively) that are part of the key, in key order.</summary>
    public required ImmutableArray<byte[]> KeyHeaders { get; init; }
    public required bool CacheSetCookie { get; init; }
    public required bool RequireAuthorizationForInvalidation { get; init; }
    public required UnauthorizedInvalidation Unauthorized { get; init; }
    /// <summary>SHA-256 of each API key allowed to refresh entries; plain keys are not kept.</summary>
    public required ImmutableArray<byte[]> InvalidateKeyHashes { get; init; }
    public required string ApiName { get; init; }
    public required string StageName { get; init; }
    /// <summary><c>api \0 stage \0 route-key \0</c>: the part of every cache key that names where it belongs.</summary>
    public required byte[] KeyPrefix { get; init; }
    /// <summary>Length of the <c>api \0 stage \0</c> part of <see cref="KeyPrefix"/>, used to flush a stage.</summary>
    public required int StagePrefixLength { get; init; }

    public required IEnumerable<int> Statuses
    {
        init
        {
            foreach (int status in value)
            {
                _statuses[status >> 6] |= 1UL << (status & 63);
            }
        }
    }

    /// <summary><c>api \0 stage \0</c>: how every cache key of a stage starts (and what flushing a stage matches).</summary>
    public static byte[] StagePrefix(string apiName, string stageName) => System.Text.Encoding.UTF8.GetBytes($"{apiName}\0{stageName}\0");

    public bool AllowsMethod(HttpMethod method) => (MethodMask & (1 << (int)method)) != 0;

    public bool IsCacheableStatus(int status) => (uint)status < 640 && (_statuses[status >> 6] & (1UL << (status & 63))) != 0;

    /// <summary>Whether <paramref name="apiKey"/> may refresh entries; compares hashes in constant time.</summary>
    public bool CanInvalidate(ReadOnlySpan<byte> apiKey)
    {
        if (!RequireAuthorizationForInvalidation)
        {
            return true;
        }

        if (apiKey.IsEmpty || InvalidateKeyHashes.IsEmpty)
        {
            return false;
        }

        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(apiKey, hash);
        bool allowed = false;
        foreach (byte[] candidate in InvalidateKeyHashes)
        {
            allowed |= CryptographicOperations.FixedTimeEquals(candidate, hash);
        }

        return allowed;
    }
}
