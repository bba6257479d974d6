using EdgeGw.Core.Authorizers;
using EdgeGw.Core.Upstream;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Server.Integrations;
using EdgeGw.Server.WebSockets;

namespace EdgeGw.Server.Authorizers;

/// <summary>
/// A request authorizer's calls over its cluster's pooled keep-alive connections (<see cref="IntegrationClient"/>, as a
/// WebSocket API's events): the cluster's load balancing, connect retries, passive health and circuit breaker apply,
/// a TLS destination is reached over TLS, and the answer is read within the authorizer's <c>timeoutMs</c> and size
/// limit. The cluster is found by name in the current snapshot (the authorizer outlives reloads that renumber clusters).
/// A lambda integration's event is the payload of a Lambda invoke through the <see cref="LambdaInvoker"/> a route's
/// Lambda integration uses (its endpoint cluster, SigV4 signing, Lambda's limits); the function's payload is the answer,
/// and a function error, an Invoke API error or a timeout is no answer (500, as the HTTP form's failures).
/// </summary>
internal sealed class AuthorizerTransport : IAuthorizerTransport
{
    private static readonly ReadOnlyMemory<byte> JsonContent = "Content-Type: application/json\r\n"u8.ToArray();

    private readonly GatewayRuntime _runtime;
    private LambdaInvoker? _invoker;
    private int _invoking;

    public AuthorizerTransport(GatewayRuntime runtime) => _runtime = runtime;

    public ValueTask<AuthorizerAnswer> PostAsync(RequestAuthorizerSettings settings, byte[] body, int maxResponseBytes) =>
        settings.Lambda is { } lambda ? InvokeAsync(lambda, body, maxResponseBytes) : PostHttpAsync(settings, body, maxResponseBytes);

    private async ValueTask<AuthorizerAnswer> InvokeAsync(Core.Lambda.LambdaIntegrationModel lambda, byte[] body, int maxResponseBytes)
    {
        if (Find(_runtime.Current, lambda.Cluster.Name) is not { } cluster)
        {
            return new AuthorizerAnswer(502, null, 0);
        }

        // The connection's invoker; a second call while one runs (a shared call left behind by a closed client) gets its own.
        bool own = Interlocked.Exchange(ref _invoking, 1) == 0;
        var invoker = own ? (_invoker ??= new LambdaInvoker()) : new LambdaInvoker();
        try
        {
            var (outcome, status, _, payload, length) = await invoker.InvokeRawAsync(cluster, lambda, body, _runtime.UpstreamErrors, _runtime.Time, maxResponseBytes).ConfigureAwait(false);
            if (outcome != LambdaOutcome.Answered)
            {
                if (payload is not null)
                {
                    BlockPool.Return(payload);
                }

                return new AuthorizerAnswer(outcome == LambdaOutcome.TimedOut ? 504 : 502, null, 0);
            }

            return new AuthorizerAnswer(status, payload, length);
        }
        finally
        {
            invoker.ReturnBuffers();
            if (own)
            {
                Volatile.Write(ref _invoking, 0);
            }
        }
    }

    private async ValueTask<AuthorizerAnswer> PostHttpAsync(RequestAuthorizerSettings settings, byte[] body, int maxResponseBytes)
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
