using System.Collections.Immutable;
using System.Text;
using EdgeGw.Core.Infrastructure;

namespace EdgeGw.Core.Authorizers;

/// <summary>The routes' side of the authorizers: <c>authorizer</c>, <c>authorizationScopes</c>, the API's <c>apiKeySource</c>, and each route's compiled authorizer.</summary>
internal static partial class AuthorizerSection
{
    /// <summary>AWS's <c>apiKeySource</c> of an API: where an <c>apiKeyRequired</c> route's usage-plan key comes from.</summary>
    public const string ApiKeySourceHeader = "HEADER";
    public const string ApiKeySourceAuthorizer = "AUTHORIZER";

    public static bool ApiKeyFromAuthorizer(string? apiKeySource) => apiKeySource == ApiKeySourceAuthorizer;

    /// <summary>Checks an API's <c>apiKeySource</c>: HEADER (the default) or AUTHORIZER, as AWS spells them.</summary>
    public static void ValidateApiKeySource(ConfigChecks checks, string? apiKeySource, string path)
    {
        if (apiKeySource is not (null or ApiKeySourceHeader or ApiKeySourceAuthorizer))
        {
            checks.Error($"{path}.apiKeySource", $"'{apiKeySource}' is not \"{ApiKeySourceHeader}\" or \"{ApiKeySourceAuthorizer}\"");
        }
    }

    /// <summary>
    /// Checks a route's <c>authorizer</c> and <c>authorizationScopes</c> against the API's authorizers, and that an
    /// <c>apiKeyRequired</c> route of an AUTHORIZER-keyed API has a request authorizer to supply the key (a warning).
    /// </summary>
    public static void ValidateRoute(ConfigChecks checks, string? authorizer, ImmutableArray<string> scopes, string path, Dictionary<string, string> authorizers,
        string? apiKeySource = null, bool apiKeyRequired = false)
    {
        if (apiKeyRequired && ApiKeyFromAuthorizer(apiKeySource)
            && (authorizer is null || !authorizers.TryGetValue(authorizer, out string? keyedBy) || keyedBy != RequestType))
        {
            // AWS accepts it (and refuses every request); a warning, so an imported API still loads.
            checks.Warning($"{path}.apiKeyRequired", "the API's apiKeySource is AUTHORIZER: the key is a request authorizer's usageIdentifierKey, and the route has no request authorizer, so every request is 403");
        }

        if (authorizer is null)
        {
            if (!scopes.IsDefaultOrEmpty)
            {
                checks.Error($"{path}.authorizationScopes", "scopes need a jwt authorizer on the route");
            }

            return;
        }

        if (!authorizers.TryGetValue(authorizer, out string? type))
        {
            checks.Error($"{path}.authorizer", $"authorizer '{authorizer}' is not defined in the API's authorizers");
            return;
        }

        if (!scopes.IsDefaultOrEmpty)
        {
            if (type != JwtType)
            {
                checks.Error($"{path}.authorizationScopes", "scopes apply to jwt authorizers only (as AWS HTTP APIs)");
            }

            if (scopes.Length > MaxScopes)
            {
                checks.Error($"{path}.authorizationScopes", $"at most {MaxScopes} scopes");
            }

            for (int i = 0; i < scopes.Length; i++)
            {
                if (scopes[i].Length == 0 || scopes[i].Contains(' '))
                {
                    checks.Error($"{path}.authorizationScopes[{i}]", "a scope is one non-empty word");
                }
            }
        }
    }

    /// <summary>
    /// The distinct forwarding prefixes of an API's authorizers, and <see cref="DefaultPrefix"/> when it has AWS_IAM
    /// routes (the IAM identity's headers): client-sent headers with them are dropped on every route of the API.
    /// Null when it has neither.
    /// </summary>
    public static byte[][]? HeaderPrefixes(Dictionary<string, Authorizer>? authorizers, bool iam = false)
    {
        if ((authorizers is null || authorizers.Count == 0) && !iam)
        {
            return null;
        }

        var prefixes = new List<byte[]>();
        if (iam)
        {
            prefixes.Add(System.Text.Encoding.ASCII.GetBytes(DefaultPrefix));
        }

        foreach (var authorizer in authorizers?.Values ?? Enumerable.Empty<Authorizer>())
        {
            if (!prefixes.Exists(p => p.AsSpan().SequenceEqual(authorizer.ForwardPrefix)))
            {
                prefixes.Add(authorizer.ForwardPrefix);
            }
        }

        return [.. prefixes];
    }

    /// <summary>A route's compiled authorizer; null when it has none.</summary>
    public static RouteAuthorizer? CompileRoute(string? authorizer, ImmutableArray<string> scopes, Dictionary<string, Authorizer> authorizers, string apiName, string stageName, string routeKey)
    {
        if (authorizer is null || !authorizers.TryGetValue(authorizer, out var compiled))
        {
            return null;
        }

        var scopeBytes = new byte[scopes.IsDefault ? 0 : scopes.Length][];
        for (int i = 0; i < scopeBytes.Length; i++)
        {
            scopeBytes[i] = Encoding.UTF8.GetBytes(scopes[i]);
        }

        return new RouteAuthorizer(compiled, scopeBytes, Encoding.UTF8.GetBytes($"{RouteAuthorizer.ArnPrefix}{apiName}/{stageName}/"), routeKey, Encoding.UTF8.GetBytes(routeKey), stageName);
    }
}
