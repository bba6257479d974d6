using System.Collections.Immutable;
using System.Text.Json;
using EdgeGw.Core.Iam;
using EdgeGw.Core.Model;

namespace EdgeGw.Core.Lambda;

/// <summary>
/// A Lambda proxy integration compiled for one route and stage: where the Invoke API is (a cluster of one
/// destination in the upstream pool, built from the endpoint), the request target and Host to send, how to sign,
/// the payload format, and the route's fixed event values pre-encoded for the event writer.
/// </summary>
public sealed class LambdaIntegrationModel : IntegrationModel
{
    /// <summary>The endpoint's cluster (<c>lambda:scheme://host:port</c>), shared by every integration that calls it.</summary>
    public required ClusterModel Cluster { get; init; }
    /// <summary><c>/2015-03-31/functions/{name}/invocations</c>, the name percent-encoded.</summary>
    public required byte[] InvokeTarget { get; init; }
    /// <summary>The Host header (the endpoint's host, with its port unless it is the scheme's).</summary>
    public required byte[] Host { get; init; }
    /// <summary>Payload format 2.0 (HTTP API's default); false: 1.0.</summary>
    public required bool Version2 { get; init; }
    /// <summary>How long the function may take (<c>timeoutMs</c>, AWS's 50 ms to 29 s): then 504.</summary>
    public required TimeSpan Timeout { get; init; }
    /// <summary>The credentials invokes are signed with (SigV4, service <c>lambda</c>, the ARN's region), kept current; null: sent unsigned.</summary>
    public LambdaCredentials? Credentials { get; init; }
    /// <summary>The credential to sign this invoke with (<see cref="LambdaCredentials.Current"/>); null: unsigned.</summary>
    public SigV4SigningCredential? Signing => Credentials?.Current;
    /// <summary>The function as configured, for logs.</summary>
    public required string Function { get; init; }

    /// <summary>The route key (<c>routeKey</c>).</summary>
    public required JsonEncodedText RouteKey { get; init; }
    /// <summary>1.0's <c>resource</c>: the route key's path (<c>$default</c> as is).</summary>
    public required JsonEncodedText Resource { get; init; }
    public required JsonEncodedText Stage { get; init; }
    /// <summary><c>requestContext.apiId</c>: the API's name.</summary>
    public required JsonEncodedText ApiId { get; init; }
    /// <summary>The route's path parameter names, in capture order.</summary>
    public required ImmutableArray<JsonEncodedText> ParameterNames { get; init; }
    /// <summary>The stage's variables (<c>stageVariables</c>).</summary>
    public required ImmutableArray<KeyValuePair<JsonEncodedText, JsonEncodedText>> StageVariables { get; init; }
}
