namespace EdgeGw.Core.Observability;

/// <summary>What a route's authorizer decided (the metrics' <c>outcome</c> label); None when no authorizer ran.</summary>
public enum AuthorizerOutcome : byte
{
    None,
    /// <summary>The caller was allowed (a cached decision included).</summary>
    Allowed,
    /// <summary>The caller was refused (401/403).</summary>
    Denied,
    /// <summary>The authorizer could not decide (its call failed or timed out: 500).</summary>
    Error,
}
