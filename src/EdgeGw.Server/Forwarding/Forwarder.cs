using System.Runtime.CompilerServices;
using EdgeGw.Transport;
using EdgeGw.Core.Model;
using EdgeGw.Core.Upstream;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Http1;
using EdgeGw.Server.Infrastructure;
using EdgeGw.Server.Logging;

namespace EdgeGw.Server.Forwarding;

/// <summary>
/// The HTTP integration: leases a connection to a destination of the route's cluster, writes the request
/// head and streams the body, reads the response head and hands it to the <see cref="ResponseRelay"/>. A
/// request without a body that fails before any response byte on a reused connection is retried once on a new
/// connection when its method is idempotent. One per client connection, created on its first proxied request.
/// </summary>
internal sealed class Forwarder
{
    private readonly ClientConnection _connection;
    private readonly ClientRequest _request;
    private readonly ClientResponder _responder;
    private readonly RequestBodyReader _body;
    private readonly UpstreamResponse _response = new();
    private readonly ResponseRelay _relay;

    public Forwarder(ClientConnection connection, ClientRequest request, ClientResponder responder, RequestBodyReader body)
    {
        _connection = connection;
        _request = request;
        _responder = responder;
        _body = body;
        _relay = new ResponseRelay(connection, request, responder, _response);
    }

    /// <summary>The response head of the exchange in flight (for the tunnel, which shares the forwarder's reader).</summary>
    public UpstreamResponse Response => _response;

    public ResponseRelay Relay => _relay;

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public async ValueTask<bool> ForwardAsync(GatewaySnapshot snapshot, RouteModel route, HttpIntegrationModel http, RouteMatch match, IResponseObserver? observer)
    {
        var cluster = snapshot.Clusters[http.Cluster.Index];
        bool hasBody = _request.HasBody;
        var time = _connection.Runtime.Time;
        _request.Record.IntegrationStartTimestamp = time.GetTimestamp();
        bool probe = false;
        if (cluster.Breaker is { } breaker && !breaker.TryEnter(LoopClock.Now(_connection.Runtime.Time), out probe))
        {
            // The cluster is failing: shed the request instead of adding to its load.
            _request.ConsumeHead();
            return await _responder.GatewayResponseAsync(503, close: hasBody).ConfigureAwait(false);
        }

        bool retryable = !hasBody && IsIdempotent(_request.Head.Method);
        bool bodySent = false;
        if (_responder.HasUnflushed)
        {
            // Earlier pipelined responses must not wait on this upstream.
            await _responder.FlushPendingAsync().ConfigureAwait(false);
        }

        for (int attempt = 0; ; attempt++)
        {
            // A refused or timed-out connect goes to another destination inside (up to the cluster's retries).
            var (destination, connection, leaseError) = await cluster.LeaseAsync(forceNew: attempt > 0).ConfigureAwait(false);
            if (connection is null)
            {
                if (!leaseError.IsLocal())
                {
                    cluster.Report(destination, success: false, probe);
                }
                else
                {
                    cluster.Breaker?.ReleaseProbe(probe);
                }

                _request.ConsumeHead();
                _connection.ExecutionLog?.Write($"Integration: no connection to cluster {cluster.Model.Name} ({destination.Model.Authority}): {UpstreamErrorLog.Describe(UpstreamErrorLog.From(leaseError))}");
                int status = leaseError.ToStatusCode();
                Failed(UpstreamErrorLog.From(leaseError));
                _connection.Runtime.UpstreamErrors.LeaseFailed(cluster.Model, destination, leaseError, status);
                return await _responder.GatewayResponseAsync(status, close: hasBody).ConfigureAwait(false);
            }

            bool reused = connection.CompletedRequests > 0;
            ResponseHeadOutcome outcome;
            long sentAt = 0;
            if (_connection.ExecutionLog is { } log)
            {
                sentAt = _connection.Runtime.Time.GetTimestamp();
                log.EndpointRequest(_request, _request.ClientAddress, _connection.IsHttps, http, match, destination, reused);
            }

            try
            {
                UpstreamRequestWriter.Write(connection.Output, _request, _request.ClientAddress, _connection.IsHttps, http, match, destination);
                if (hasBody)
                {
                    _request.ConsumeHead();
                    var body = await _body.CopyAsync(connection, route.MaxBodyBytes, http.ResponseTimeout).ConfigureAwait(false);
                    if (body != BodyOutcome.Complete)
                    {
                        _request.Record.IntegrationEndTimestamp = time.GetTimestamp();
                        cluster.Breaker?.ReleaseProbe(probe);
                        destination.Return(connection, reusable: false);
                        return await _responder.BodyFailureAsync(body).ConfigureAwait(false);
                    }

                    bodySent = true;
                }
                else
                {
                    var flush = await connection.Output.FlushAsync().ConfigureAwait(false);
                    if (flush.IsCompleted)
                    {
                        throw new IOException("Upstream connection closed.");
                    }
                }

                outcome = await _response.ReadAsync(connection, http.ResponseTimeout, _request.Head.Method, expectUpgrade: false).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or System.Net.Sockets.SocketException)
            {
                outcome = ResponseHeadOutcome.ClosedBeforeResponse;
            }

            _connection.ExecutionLog?.EndpointResponse(outcome, _response, _connection.Runtime.Time.GetElapsedTime(sentAt));
            if (outcome != ResponseHeadOutcome.Received)
            {
                destination.Return(connection, reusable: false);
                if (outcome == ResponseHeadOutcome.ClosedBeforeResponse && reused && retryable && attempt == 0)
                {
                    continue;
                }

                cluster.Report(destination, success: false, probe);
                _request.ConsumeHead();
                int status = outcome == ResponseHeadOutcome.TimedOut ? 504 : 502;
                var failure = outcome switch
                {
                    ResponseHeadOutcome.TimedOut => UpstreamFailure.ResponseTimedOut,
                    ResponseHeadOutcome.Malformed => UpstreamFailure.MalformedResponse,
                    _ => UpstreamFailure.ClosedBeforeResponse,
                };
                Failed(failure);
                _connection.Runtime.UpstreamErrors.Failed(cluster.Model, destination.Model, failure, status);
                // A body cut short leaves unread bytes on the client connection: only closing keeps framing intact.
                return await _responder.GatewayResponseAsync(status, close: hasBody && !bodySent).ConfigureAwait(false);
            }

            _request.ConsumeHead();
            // A gateway-class status from the upstream counts against it (as Envoy's consecutive-5xx detection).
            cluster.Report(destination, success: _response.Head.StatusCode is not (502 or 503 or 504), probe);
            return await _relay.RelayAsync(connection, observer).ConfigureAwait(false);
        }
    }

    /// <summary>The integration failed before a response: its end and reason for the access log.</summary>
    private void Failed(UpstreamFailure failure)
    {
        ref var record = ref _request.Record;
        record.IntegrationEndTimestamp = _connection.Runtime.Time.GetTimestamp();
        record.IntegrationErrorMessage = UpstreamErrorLog.Message(failure);
    }

    /// <summary>Per-request tables back to their pools.</summary>
    public void ReturnBuffers() => _response.ReturnBuffers();

    private static bool IsIdempotent(HttpMethod method) =>
        method is HttpMethod.Get or HttpMethod.Head or HttpMethod.Options or HttpMethod.Put or HttpMethod.Delete or HttpMethod.Trace;
}
