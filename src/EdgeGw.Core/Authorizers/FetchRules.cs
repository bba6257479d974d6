namespace EdgeGw.Core.Authorizers;

/// <summary>Where the gateway fetches OIDC discovery documents and JWKS from: https, or http to a loopback host (tests).</summary>
internal static class FetchRules
{
    /// <summary>AWS's limit on a JWKS document.</summary>
    public const int MaxBytes = 150_000;
    /// <summary>AWS's timeout of one fetch: the longest a request waits for keys (the first ones, or an unknown kid's refresh).</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(1500);
    /// <summary>
    /// How long a fetch may go on when no request waits for it any more (the prefetch when a configuration becomes
    /// current, the hourly refresh, a fetch whose waiting request gave up at <see cref="Timeout"/>). The first fetch of a
    /// cold process on a loaded 2-core machine took over 1,500 ms (JwtAuthorizerTests' first request was refused); cut
    /// off there it would leave the gateway keyless and start again, so it finishes and the next request has the keys.
    /// </summary>
    public static readonly TimeSpan BackgroundTimeout = TimeSpan.FromSeconds(10);

    public static bool IsAllowed(string uri, out string? problem)
    {
        problem = null;
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed))
        {
            problem = $"'{uri}' is not an absolute URI";
            return false;
        }

        if (parsed.Scheme == Uri.UriSchemeHttps || (parsed.Scheme == Uri.UriSchemeHttp && parsed.IsLoopback))
        {
            return true;
        }

        problem = $"'{uri}' must be https (http only to a loopback host)";
        return false;
    }
}
