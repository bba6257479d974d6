using EdgeGw.Core.Authorizers;
using EdgeGw.Core.Upstream;
using EdgeGw.Server.WebSockets;

namespace EdgeGw.Server.Authorizers;

/// <summary>
/// A request authorizer's calls over its cluster's pooled keep-alive connections (<see cref="IntegrationClient"/>, as a
/// WebSocket API's events): the cluster's load balancing, connect retries, passive health and circuit breaker apply,
/// a TLS destination is reached over TLS, and the answer is read within the authorizer's <c>timeoutMs</c> and size
/// limit. The cluster is found by name in the current snapshot (the authorizer outlives reloads that renumber clusters).
/// </summary>
internal sealed class AuthorizerTransport : IAuthorizerTransport
{
    private static readonly ReadOnlyMemory<byte> JsonContent = "Content-Type: application/json\r\n"u8.ToArray();

    private readonly GatewayRuntime _runtime;

    public AuthorizerTransport(GatewayRuntime runtime) => _runtime = runtime;

    public async ValueTask<AuthorizerAnswer> PostAsync(RequestAuthorizerSettings settings, byte[] body, int maxResponseBytes)
    {
        if (Find(_runtime.Current, settings.Integration.Cluster.Name) is not { } cluster)
        {
            return new AuthorizerAnswer(502, null, 0); // a reload removed the cluster while this call waited
        }

        var response = await IntegrationClient.PostAsync(cluster, settings.Integration, new IntegrationHeaders(JsonContent, default, default),
            default, body, maxResponseBytes, _runtime.UpstreamErrors).ConfigureAwait(false);
        return new AuthorizerAnswer(response.Status, response.Body, response.BodyLength);
    }

    private static ClusterState? Find(GatewaySnapshot snapshot, string name)
    {
        foreach (var cluster in snapshot.Clusters)
        {
            if (cluster.Model.Name == name)
            {
                return cluster;
            }
        }

        return null;
    }
}
