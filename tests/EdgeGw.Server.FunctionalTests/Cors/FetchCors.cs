using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Cors;

/// <summary>
/// The browser's side of CORS, written from the Fetch standard (not from the gateway's code): a preflight request
/// as a browser builds it, and the checks a browser applies to the preflight's and the actual response.
/// </summary>
internal static class FetchCors
{
    private static readonly string[] SafelistedMethods = ["GET", "HEAD", "POST"];
    private static readonly string[] SafelistedHeaders = ["accept", "accept-language", "content-language", "content-type", "range"];

    /// <summary>
    /// A CORS-preflight request (Fetch §4.8): OPTIONS, the Origin, Access-Control-Request-Method, and
    /// Access-Control-Request-Headers with the non-safelisted names lower-cased, sorted and joined by ',' (no
    /// spaces); no credentials, no cookies; Accept <c>*/*</c>.
    /// </summary>
    public static string Preflight(string path, string host, string origin, string method, params string[] headers)
    {
        var names = headers.Select(h => h.ToLowerInvariant()).Where(h => !SafelistedHeaders.Contains(h)).Distinct().Order(StringComparer.Ordinal).ToList();
        string requestHeaders = names.Count == 0 ? "" : $"Access-Control-Request-Headers: {string.Join(',', names)}\r\n";
        return $"OPTIONS {path} HTTP/1.1\r\nHost: {host}\r\nAccept: */*\r\nAccess-Control-Request-Method: {method}\r\n{requestHeaders}Origin: {origin}\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nSec-Fetch-Mode: cors\r\nSec-Fetch-Site: cross-site\r\nSec-Fetch-Dest: empty\r\n\r\n";
    }

    /// <summary>Fetch's CORS check: one Allow-Origin, <c>*</c> only without credentials, else the request's origin byte for byte; with credentials, Allow-Credentials is <c>true</c>.</summary>
    public static bool CorsCheck(RawResponse response, string origin, bool credentials)
    {
        var allowOrigin = response.Head.GetAll("access-control-allow-origin").ToList();
        if (allowOrigin.Count != 1)
        {
            return false;
        }

        if (!credentials && allowOrigin[0] == "*")
        {
            return true;
        }

        if (allowOrigin[0] != origin)
        {
            return false;
        }

        return !credentials || response.Header("access-control-allow-credentials") == "true";
    }

    /// <summary>
    /// Whether a browser accepts the preflight response for <paramref name="method"/> and <paramref name="headers"/>
    /// (Fetch §4.8 steps: ok status, CORS check, then methods and header names, <c>*</c> counting only without credentials and never for Authorization).
    /// </summary>
    public static bool PreflightAccepted(RawResponse response, string origin, bool credentials, string method, params string[] headers)
    {
        if (response.Status is < 200 or > 299 || !CorsCheck(response, origin, credentials))
        {
            return false;
        }

        var methods = List(response, "access-control-allow-methods");
        var names = List(response, "access-control-allow-headers").Select(n => n.ToLowerInvariant()).ToList();
        if (!methods.Contains(method) && !SafelistedMethods.Contains(method) && !(methods.Contains("*") && !credentials))
        {
            return false;
        }

        foreach (string header in headers.Select(h => h.ToLowerInvariant()).Where(h => !SafelistedHeaders.Contains(h)))
        {
            bool wildcard = names.Contains("*") && !credentials && header != "authorization";
            if (!names.Contains(header) && !wildcard)
            {
                return false;
            }
        }

        return true;
    }

    private static List<string> List(RawResponse response, string name) =>
        response.Head.GetAll(name).SelectMany(v => v.Split(',')).Select(v => v.Trim()).Where(v => v.Length > 0).ToList();
}
