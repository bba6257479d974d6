namespace EdgeGw.Core.Authorizers;

/// <summary>Where the gateway fetches OIDC discovery documents and JWKS from: https, or http to a loopback host (tests).</summary>
internal static class FetchRules
{
    /// <summary>AWS's limit on a JWKS document.</summary>
    public const int MaxBytes = 150_000;
    /// <summary>AWS's timeout of one fetch.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(1500);

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
