namespace EdgeGw.Core.Observability;

/// <summary>
/// Who the caller is, as an authorizer established it for one request: the source of
/// <c>$context.authorizer.*</c> and <c>$context.identity.*</c> for parameter mapping, access logs and the headers
/// an authorizer adds to the forwarded request. An authorizer hands out an instance it keeps (its verified-token
/// or result cache entry), so setting <see cref="RequestRecord.Identity"/> allocates nothing per request.
/// </summary>
public abstract class CallerIdentity
{
    /// <summary><c>$context.authorizer.principalId</c> (a JWT's <c>sub</c>, a request authorizer's principalId, the IAM principal); empty when none.</summary>
    public abstract ReadOnlySpan<byte> PrincipalId { get; }

    /// <summary><c>$context.identity.userArn</c> (IAM); empty otherwise.</summary>
    public virtual ReadOnlySpan<byte> UserArn => default;

    /// <summary><c>$context.identity.accessKey</c> (IAM); empty otherwise.</summary>
    public virtual ReadOnlySpan<byte> AccessKey => default;

    /// <summary><c>$context.authorizer.claims.&lt;name&gt;</c> (JWT): the claim's value as text (strings unquoted, other JSON as written).</summary>
    public virtual bool TryGetClaim(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        value = default;
        return false;
    }

    /// <summary>
    /// Header lines, pre-encoded (<c>Name: value\r\n</c> each), that the forwarded request carries for this caller
    /// (e.g. <c>X-EdgeGw-Authorizer-Sub</c>); built once per identity, written by the upstream request writer after
    /// the client's headers. Empty when the authorizer forwards nothing.
    /// </summary>
    public virtual ReadOnlySpan<byte> ForwardedHeaderLines => default;

    /// <summary><c>$context.authorizer.&lt;key&gt;</c> (a request authorizer's <c>context</c>): the value as text.</summary>
    public virtual bool TryGetContext(ReadOnlySpan<byte> key, out ReadOnlySpan<byte> value)
    {
        value = default;
        return false;
    }
}
