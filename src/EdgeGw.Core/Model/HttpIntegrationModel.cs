using System.Collections.Immutable;

namespace EdgeGw.Core.Model;

/// <summary>Forwards to a cluster; the upstream path is built from <see cref="PathTemplate"/>.</summary>
public sealed class HttpIntegrationModel : IntegrationModel
{
    public required ClusterModel Cluster { get; init; }
    /// <summary>
    /// Parts of the upstream path. Empty means "forward the request path without the stage prefix".
    /// Stage variables are already substituted as literals. The query string is always appended.
    /// </summary>
    public required ImmutableArray<UriTemplatePart> PathTemplate { get; init; }
    /// <summary>Response timeout for this integration (defaults to the cluster's).</summary>
    public required TimeSpan ResponseTimeout { get; init; }
    /// <summary>The integration's <c>requestParameters</c> for this stage; null when it maps none (one null check per request).</summary>
    public ParameterMapping.RequestMapping? RequestMapping { get; init; }
    /// <summary>The integration's <c>responseParameters</c> for this stage; null when it maps none.</summary>
    public ParameterMapping.ResponseMapping? ResponseMapping { get; init; }
}
