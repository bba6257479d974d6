using EdgeGw.Core.Model;

namespace EdgeGw.Core.Authorizers;

/// <summary>
/// The live <see cref="JwksSource"/>s, one per issuer and <c>jwksUri</c> (not per authorizer): every JWT authorizer
/// naming the same key location, in any API and across reloads, reads one key set, makes one fetch and shares one
/// unknown-<c>kid</c> rate limit. Weakly held like <see cref="AuthorizerRegistry"/>: a source no authorizer uses any
/// more is collected. <see cref="Prefetch"/> starts the fetches of a model that becomes current, so the first request
/// finds its keys there.
/// </summary>
public static class JwksSources
{
    private static readonly Dictionary<string, WeakReference<JwksSource>> Live = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();

    /// <summary>The source of <paramref name="issuer"/>'s keys at <paramref name="jwksUri"/> (null: OIDC discovery); used at compile time only.</summary>
    internal static JwksSource GetOrCreate(string issuer, string? jwksUri)
    {
        // The discovery document is found from the issuer; an explicit jwksUri needs no issuer to fetch but its
        // tokens still name one, so both are the key (two issuers sharing one JWKS keep their own refresh limits).
        string key = issuer + "\n" + jwksUri;
        lock (Gate)
        {
            if (Live.TryGetValue(key, out var weak) && weak.TryGetTarget(out var existing))
            {
                return existing;
            }

            var created = new JwksSource(issuer, jwksUri);
            Live[key] = new WeakReference<JwksSource>(created);
            if (Live.Count > 1024)
            {
                Prune();
            }

            return created;
        }
    }

    /// <summary>
    /// Starts fetching the keys of every JWT authorizer of <paramref name="model"/> that has none yet (and is not
    /// fetching them); called when the model becomes current, off the request path. The task completes when each
    /// of those sources has its keys or its fetch failed (tests wait on it; serving does not).
    /// </summary>
    public static Task Prefetch(GatewayModel model)
    {
        List<JwksSource>? started = null;
        List<Task>? fetches = null;
        foreach (var route in model.RouteList)
        {
            if (route.Authorizer?.Authorizer is not JwtAuthorizer jwt || (started is not null && started.Contains(jwt.Keys)))
            {
                continue;
            }

            (started ??= []).Add(jwt.Keys);
            (fetches ??= []).Add(jwt.Keys.Prefetch());
        }

        return fetches is null ? Task.CompletedTask : Task.WhenAll(fetches);
    }

    private static void Prune()
    {
        var dead = new List<string>();
        foreach (var (key, weak) in Live)
        {
            if (!weak.TryGetTarget(out _))
            {
                dead.Add(key);
            }
        }

        foreach (string key in dead)
        {
            Live.Remove(key);
        }
    }
}
