using System.Collections.Immutable;

namespace EdgeGw.Core.Authorizers;

/// <summary>
/// A compiled authorizer of one API (<see cref="JwtAuthorizer"/> or <see cref="RequestAuthorizer"/>), holding its
/// caches; shared by every route and stage that names it, and kept across reloads while its configuration is unchanged.
/// </summary>
public abstract class Authorizer
{
    protected Authorizer(string name, ImmutableArray<IdentitySource> identitySources, byte[] forwardPrefix)
    {
        Name = name;
        IdentitySources = identitySources;
        ForwardPrefix = forwardPrefix;
    }

    public string Name { get; }
    public ImmutableArray<IdentitySource> IdentitySources { get; }
    /// <summary>The prefix of the identity headers toward the backend (client-sent ones with it are dropped).</summary>
    public byte[] ForwardPrefix { get; }
}

/// <summary>A route's authorizer: the shared <see cref="Authorizer"/>, the route's scopes and what the request authorizer's event names the route by.</summary>
public sealed class RouteAuthorizer
{
    /// <summary>EdgeGw's stand-in for <c>arn:aws:execute-api:{region}:{account}:{apiId}/</c> (region edgegw, account 0).</summary>
    public const string ArnPrefix = "arn:aws:execute-api:edgegw:000000000000:";

    public RouteAuthorizer(Authorizer authorizer, byte[][] scopes, byte[] routeArnPrefix, string routeKey, byte[] routeKeyBytes, string stage)
    {
        Authorizer = authorizer;
        Scopes = scopes;
        RouteArnPrefix = routeArnPrefix;
        RouteKey = routeKey;
        RouteKeyBytes = routeKeyBytes;
        Stage = stage;
    }

    public Authorizer Authorizer { get; }
    /// <summary><c>authorizationScopes</c> (UTF-8); empty: any token the authorizer accepts.</summary>
    public byte[][] Scopes { get; }
    /// <summary><c>arn:aws:execute-api:edgegw:000000000000:{api}/{stage}/</c>, followed per request by the method and path.</summary>
    public byte[] RouteArnPrefix { get; }
    public string RouteKey { get; }
    public byte[] RouteKeyBytes { get; }
    public string Stage { get; }
}
