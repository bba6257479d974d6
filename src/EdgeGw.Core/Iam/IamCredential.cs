using System.Security.Cryptography;
using System.Text;
using EdgeGw.Core.Observability;

namespace EdgeGw.Core.Iam;

/// <summary>
/// One configured access key: its secret (held only here, prefixed with <c>AWS4</c> as the key derivation starts),
/// the principal it stands for, and the caller identity every request it signs carries (built once, so a verified
/// request allocates nothing). The SigV4 signing key depends on (secret, date, region, service); region and service
/// are fixed by the <c>iam</c> section, so it is cached per day — two slots, so requests signed just before and
/// just after midnight UTC do not evict each other.
/// </summary>
public sealed class IamCredential : CallerIdentity
{
    private readonly byte[] _accessKey;
    private readonly byte[] _principal;
    private readonly byte[] _secret;
    private readonly byte[] _region;
    private readonly byte[] _service;
    private readonly byte[] _forwarded;
    // Immutable entries swapped whole: readers never see a half-written key, and no lock is taken.
    private KeyEntry? _current;
    private KeyEntry? _previous;

    private const string Prefix = Authorizers.AuthorizerSection.DefaultPrefix;

    internal IamCredential(string accessKeyId, string secret, string principal, byte[] region, byte[] service)
    {
        _accessKey = Encoding.ASCII.GetBytes(accessKeyId);
        _principal = Encoding.ASCII.GetBytes(principal);
        _secret = Encoding.UTF8.GetBytes("AWS4" + secret);
        _region = region;
        _service = service;
        _forwarded = Encoding.ASCII.GetBytes(
            // The authorizers' default prefix: clients' copies are dropped on the API's routes (AuthorizerSection.HeaderPrefixes).
            $"{Prefix}Principal-Id: {principal}\r\n{Prefix}User-Arn: {principal}\r\n{Prefix}Access-Key: {accessKeyId}\r\n");
    }

    /// <summary>The IAM principal (its ARN, as configured): <c>$context.authorizer.principalId</c>.</summary>
    public override ReadOnlySpan<byte> PrincipalId => _principal;

    /// <summary><c>$context.identity.userArn</c> and <c>$context.identity.caller</c>: the configured principal.</summary>
    public override ReadOnlySpan<byte> UserArn => _principal;

    public override ReadOnlySpan<byte> AccessKey => _accessKey;

    public override ReadOnlySpan<byte> ForwardedHeaderLines => _forwarded;

    /// <summary>The access key id, for diagnostics (never the secret).</summary>
    public override string ToString() => Encoding.ASCII.GetString(_accessKey);

    /// <summary>Holds the same secret as <paramref name="other"/>.</summary>
    internal bool SameSecret(IamCredential other) => CryptographicOperations.FixedTimeEquals(_secret, other._secret);

    /// <summary>Writes the SigV4 signing key for the scope date <paramref name="date"/> (<c>YYYYMMDD</c>) into <paramref name="key"/> (32 bytes).</summary>
    public void SigningKey(ReadOnlySpan<byte> date, Span<byte> key)
    {
        int day = ParseDay(date);
        var current = _current;
        if (current is not null && current.Day == day)
        {
            current.Key.CopyTo(key);
            return;
        }

        var previous = _previous;
        if (previous is not null && previous.Day == day)
        {
            previous.Key.CopyTo(key);
            return;
        }

        Derive(date, key);
        // Once per credential and day (a clock behind ours signs with yesterday's date: it gets the second slot).
        var entry = new KeyEntry(day, key.ToArray());
        if (current is null || day > current.Day)
        {
            _previous = current;
            _current = entry;
        }
        else
        {
            _previous = entry;
        }
    }

    private void Derive(ReadOnlySpan<byte> date, Span<byte> key)
    {
        Span<byte> k = stackalloc byte[32];
        HMACSHA256.HashData(_secret, date, k);
        HMACSHA256.HashData(k, _region, k);
        HMACSHA256.HashData(k, _service, k);
        HMACSHA256.HashData(k, "aws4_request"u8, key);
    }

    private static int ParseDay(ReadOnlySpan<byte> date)
    {
        int day = 0;
        foreach (byte b in date)
        {
            day = day * 10 + (b - '0');
        }

        return day;
    }

    private sealed record KeyEntry(int Day, byte[] Key);
}
