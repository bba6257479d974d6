using System.Collections.Immutable;

namespace EdgeGw.Core.Authorizers;

/// <summary>
/// A <c>jwt</c> authorizer: its settings, its keys (<see cref="JwksSource"/>) and its verified tokens
/// (<see cref="BoundedEntryCache{T}"/> keyed by the whole token). A request whose token is cached costs a hash, a
/// compare and a time check; others are verified with the keys at hand, and only a token whose <c>kid</c> is not in
/// them waits for a fetch (the first one, or a rate-limited refresh).
/// </summary>
public sealed class JwtAuthorizer : Authorizer
{
    /// <summary>Verified tokens kept per authorizer.</summary>
    public const int TokenCacheCapacity = 8192;
    /// <summary>A verified token is re-verified after this long even when its exp is later.</summary>
    public const long MaxCacheMs = 3_600_000;

    private readonly IReadOnlyList<string> _forwardedClaims;

    public JwtAuthorizer(string name, ImmutableArray<IdentitySource> identitySources, byte[] forwardPrefix, JwtSettings settings, JwksSource keys, IReadOnlyList<string> forwardedClaims)
        : base(name, identitySources, forwardPrefix)
    {
        Settings = settings;
        Keys = keys;
        _forwardedClaims = forwardedClaims;
    }

    public JwtSettings Settings { get; }
    public JwksSource Keys { get; }
    public BoundedEntryCache<JwtIdentity> Tokens { get; } = new(TokenCacheCapacity);

    /// <summary>The token after an optional <c>Bearer </c> (case-insensitive), surrounding spaces trimmed.</summary>
    public static ReadOnlySpan<byte> TokenOf(ReadOnlySpan<byte> value)
    {
        value = value.Trim((byte)' ');
        if (value.Length > 7 && System.Text.Ascii.EqualsIgnoreCase(value[..7], "bearer "u8))
        {
            value = value[7..].TrimStart((byte)' ');
        }

        return value;
    }

    /// <summary>
    /// The cached identity of <paramref name="token"/>, or a verification with the current keys. <see cref="JwtFailure.UnknownKey"/>
    /// (or no keys yet: <see cref="JwtFailure.KeysUnavailable"/>) means: call <see cref="ValidateAfterFetchAsync"/>.
    /// </summary>
    public JwtFailure Validate(ReadOnlySpan<byte> token, long nowMs, out JwtIdentity? identity)
    {
        identity = Tokens.Find(token, nowMs);
        if (identity is not null)
        {
            return JwtFailure.None;
        }

        if (token.IsEmpty)
        {
            return JwtFailure.Missing;
        }

        if (Keys.Current is not { } keys)
        {
            if (Settings.Secret is null)
            {
                return JwtFailure.KeysUnavailable;
            }

            // An HS* token needs no JWKS; any other one still waits for the first fetch.
            var failure = Verify(token, JsonWebKeySet.Empty, nowMs, out identity);
            return failure == JwtFailure.UnknownKey ? JwtFailure.KeysUnavailable : failure;
        }

        return Verify(token, keys, nowMs, out identity);
    }

    /// <summary>The slow path: the first fetch of the keys, or one rate-limited refresh for an unknown kid, then verification.</summary>
    public async Task<(JwtFailure, JwtIdentity?)> ValidateAfterFetchAsync(ReadOnlyMemory<byte> token, JwtFailure first, Func<long> nowMs)
    {
        Task<JsonWebKeySet?> fetch;
        if (first == JwtFailure.KeysUnavailable)
        {
            fetch = Keys.InitialAsync();
        }
        else if (!Keys.TryRefreshForUnknownKid(out fetch))
        {
            return (JwtFailure.UnknownKey, null);
        }

        // The request waits at most AWS's fetch timeout; a slower fetch goes on in the background for the next requests.
        Task waited = fetch.IsCompleted ? fetch : fetch.WaitAsync(FetchRules.Timeout);
        await waited.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var keys = fetch.IsCompletedSuccessfully ? fetch.Result : null;

        if (keys is null)
        {
            // No keys in time: none at all yet, or the refresh did not bring the kid in time.
            return (first == JwtFailure.KeysUnavailable ? JwtFailure.KeysUnavailable : JwtFailure.UnknownKey, null);
        }

        var failure = Verify(token.Span, keys, nowMs(), out var identity);
        return (failure, identity);
    }

    private JwtFailure Verify(ReadOnlySpan<byte> token, JsonWebKeySet keys, long nowMs, out JwtIdentity? identity)
    {
        identity = null;
        var failure = JwtValidator.Validate(token, keys, Settings, nowMs / 1000, out byte[]? payload, out long exp);
        if (failure != JwtFailure.None)
        {
            return failure;
        }

        long until = Math.Min((exp + Settings.ClockSkewSeconds) * 1000, nowMs + MaxCacheMs);
        identity = new JwtIdentity(token.ToArray(), payload!, until, ForwardPrefix, _forwardedClaims);
        Tokens.Add(identity, nowMs);
        return JwtFailure.None;
    }
}
