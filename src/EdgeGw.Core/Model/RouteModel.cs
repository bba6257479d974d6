using System.Collections.Immutable;

namespace EdgeGw.Core.Model;

/// <summary>One API route deployed to one stage, with its integration compiled for that stage.</summary>
public sealed class RouteModel
{
    public required string ApiName { get; init; }
    public required string StageName { get; init; }
    /// <summary>The route key as configured, e.g. <c>GET /pets/{id}</c> or <c>$default</c>.</summary>
    public required string RouteKey { get; init; }
    /// <summary>The API's host names (empty: any Host), for operator endpoints.</summary>
    public ImmutableArray<string> Hosts { get; init; } = [];
    /// <summary>The stage's variables (<c>${stageVariables.name}</c>), as configured.</summary>
    public ImmutableArray<KeyValuePair<string, string>> StageVariables { get; init; } = [];
    /// <summary>Names of the path parameters in capture order; a greedy <c>{proxy+}</c> is last.</summary>
    public required ImmutableArray<string> ParameterNames { get; init; }
    public required long MaxBodyBytes { get; init; }
    public required IntegrationModel Integration { get; init; }
    /// <summary>Null when responses of this route are not cached on this stage.</summary>
    public Caching.RouteCachePolicy? Cache { get; init; }
    /// <summary>Throttles and API-key requirement; null when none applies (then the step is skipped).</summary>
    public RouteAccessModel? Access { get; init; }
    /// <summary>The access log of this route's stage; null when the stage does not log.</summary>
    public AccessLogging.AccessLogSettings? AccessLog { get; init; }
    /// <summary>Response compression (br/gzip); null when the route's API sets no <c>minimumCompressionSize</c>.</summary>
    public Compression.CompressionPolicy? Compression { get; init; }
    /// <summary>The API's <c>gatewayResponses</c>; null when it replaces none of the gateway's answers.</summary>
    public GatewayResponses.GatewayResponseSet? GatewayResponses { get; init; }
    /// <summary>The API's <c>cors</c>; null when the API has no CORS configuration.</summary>
    public Cors.CorsPolicy? Cors { get; init; }
    /// <summary>The route's <c>sourceIp</c> (else its API's); null when neither restricts clients.</summary>
    public SourceIp.SourceIpPolicy? SourceIp { get; init; }
    /// <summary>The credentials to verify SigV4 signatures with (<c>authorizationType: "AWS_IAM"</c>); null when the route does not.</summary>
    public Iam.IamSettings? Iam { get; init; }
    /// <summary>The route's <c>authorizer</c> (JWT or request) with its scopes; null when the route has none.</summary>
    public Authorizers.RouteAuthorizer? Authorizer { get; init; }
    /// <summary>The header prefixes of its API's authorizers (client-sent headers with them are dropped); null when the API has none.</summary>
    public byte[][]? AuthorizerHeaderPrefixes { get; init; }
    /// <summary>The route's <c>requestValidator</c> (required parameters, body model); null when it validates nothing.</summary>
    public RequestValidation.RequestValidatorPolicy? RequestValidator { get; init; }
    /// <summary>The integration's request mapping reads <c>$request.body</c>: the route buffers a JSON body (one flag check for the others).</summary>
    public bool MapsRequestBody { get; init; }
    /// <summary>Position among the model's routes, for per-route runtime state.</summary>
    public int Ordinal { get; init; }
    /// <summary>The deployment this route comes from (<c>Deployments/</c>); 0 when its stage serves the file, live.</summary>
    public int DeploymentId { get; init; }
    /// <summary>On the routes of a stage with a canary (primary and canary ones): the share and stickiness of requests sent to the canary's routes (<see cref="GatewayModel.CanaryRoutes"/>); a canary route's own decides a path only the canary's deployment has. Null otherwise.</summary>
    public Deployments.CanaryPolicy? Canary { get; init; }
    /// <summary>A route of a stage's canary deployment (access log <c>$context.isCanaryRequest</c>, metrics label <c>canary="true"</c>).</summary>
    public bool IsCanary { get; init; }
}
