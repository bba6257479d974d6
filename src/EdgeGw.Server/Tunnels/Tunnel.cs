using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;
using EdgeGw.Core.Infrastructure;
using EdgeGw.Core.Model;
using EdgeGw.Core.Upstream;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Forwarding;
using EdgeGw.Server.Http1;
using EdgeGw.Server.Infrastructure;

namespace EdgeGw.Server.Tunnels;

/// <summary>
/// WebSocket (and other <c>Upgrade</c>) tunnelling: the upgrade request goes to a fresh upstream connection
/// with its Upgrade/Connection headers; a 101 answer is relayed and then bytes are spliced both ways until
/// either side closes, the tunnel sits idle for the idle timeout, or it reaches its maximum lifetime. Any other
/// answer is relayed as a normal response. Throttles and API keys ran before this, as for any request.
/// </summary>
internal sealed class Tunnel
{
    private readonly ClientConnection _connection;
    private readonly ClientRequest _request;
    private readonly ClientResponder _responder;
    private readonly Forwarder _forwarder;

    public Tunnel(ClientConnection connection, ClientRequest request, ClientResponder responder, Forwarder forwarder)
    {
        _connection = connection;
        _request = request;
        _responder = responder;
        _forwarder = forwarder;
    }

    public static bool IsWebSocketUpgrade(ClientRequest request) =>
        request.Head.UpgradeRequested && request.Head.Method == HttpMethod.Get && request.Head.Body == BodyKind.None
        && Ascii.EqualsIgnoreCase(request.HeaderValue("upgrade"u8), "websocket"u8);

    /// <summary>Serves the upgrade; returns false (the connection never serves another HTTP request after a tunnel).</summary>
    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    public async ValueTask<bool> ServeAsync(GatewaySnapshot snapshot, HttpIntegrationModel http, RouteMatch match)
    {
        var cluster = snapshot.Clusters[http.Cluster.Index];
        if (_responder.HasUnflushed)
        {
            await _responder.FlushPendingAsync().ConfigureAwait(false);
        }

        // Never a pooled connection: after a 101 it belongs to this tunnel for good. A failed connect tries another destination.
        var (destination, connection, leaseError) = await cluster.LeaseAsync(forceNew: true).ConfigureAwait(false);
        if (connection is null)
        {
            _request.ConsumeHead();
            return await _responder.GatewayResponseAsync(leaseError.ToStatusCode(), close: false).ConfigureAwait(false);
        }

        var response = _forwarder.Response;
        ResponseHeadOutcome outcome;
        try
        {
            UpstreamRequestWriter.Write(connection.Output, _request, _request.ClientAddress, _connection.IsHttps, http, match, destination, _request.HeaderValue("upgrade"u8));
            _request.ConsumeHead();
            var flush = await connection.Output.FlushAsync().ConfigureAwait(false);
            outcome = flush.IsCompleted
                ? ResponseHeadOutcome.ClosedBeforeResponse
                : await response.ReadAsync(connection, http.ResponseTimeout, _request.Head.Method, expectUpgrade: true).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            outcome = ResponseHeadOutcome.ClosedBeforeResponse;
        }

        if (outcome != ResponseHeadOutcome.Received)
        {
            destination.Return(connection, reusable: false);
            return await _responder.GatewayResponseAsync(outcome == ResponseHeadOutcome.TimedOut ? 504 : 502, close: false).ConfigureAwait(false);
        }

        if (response.Head.StatusCode != 101)
        {
            // Refused (401, 426, …): an ordinary response, after which the upstream connection is not reused.
            response.Head.KeepAlive = false;
            return await _forwarder.Relay.RelayAsync(connection, observer: null).ConfigureAwait(false);
        }

        WriteSwitchingProtocols(response);
        response.ConsumeHead(connection);
        response.ReturnBuffers();
        _request.ReturnBuffers();
        await _responder.Output.FlushAsync().ConfigureAwait(false);

        try
        {
            await SpliceAsync(connection, snapshot.Model.Server).ConfigureAwait(false);
        }
        finally
        {
            destination.Return(connection, reusable: false);
        }

        return false;
    }

    private void WriteSwitchingProtocols(UpstreamResponse response)
    {
        var head = response.Span;
        var writer = new BufferWriter<PipeWriter>(_responder.Output);
        writer.Write("HTTP/1.1 101 Switching Protocols\r\n"u8);
        foreach (ref readonly var entry in response.Headers)
        {
            if (KnownHeaders.IsHopByHop(entry.Known) || entry.Known == KnownHeader.ContentLength)
            {
                continue;
            }

            writer.WriteHeader(entry.Name(head), entry.Value(head));
        }

        writer.Write("Connection: Upgrade\r\nUpgrade: websocket\r\n"u8);
        if (_request.HasRequestId)
        {
            writer.WriteHeader("X-Request-Id"u8, _request.RequestId);
        }

        writer.Write("\r\n"u8);
        writer.Commit();
    }

    /// <summary>Copies both directions until one ends; then the other is cut too.</summary>
    private async Task SpliceAsync(UpstreamConnection connection, ServerSettings server)
    {
        var time = _connection.Runtime.Time;
        using var lifetime = new CancellationTokenSource(server.TunnelMaxLifetime, time);
        var activity = new TunnelActivity(time, server.TunnelIdleTimeout);
        var toUpstream = CopyAsync(_connection.Input, connection.Output, _connection.Deadline, activity, lifetime.Token);
        var toClient = CopyAsync(connection.Input, _responder.Output, connection.Deadline, activity, lifetime.Token);
        await Task.WhenAny(toUpstream, toClient).ConfigureAwait(false);
        lifetime.Cancel();
        _connection.Input.CancelPendingRead();
        connection.Input.CancelPendingRead();
        await Task.WhenAll(toUpstream, toClient).ConfigureAwait(false);
    }

    private static async Task CopyAsync(PipeReader from, PipeWriter to, IoDeadline deadline, TunnelActivity activity, CancellationToken lifetime)
    {
        try
        {
            while (!lifetime.IsCancellationRequested)
            {
                var remaining = activity.RemainingIdle();
                if (remaining <= TimeSpan.Zero)
                {
                    return;
                }

                deadline.Arm(remaining);
                var result = await from.ReadAsync(lifetime).ConfigureAwait(false);
                var buffer = result.Buffer;
                if (result.IsCanceled && deadline.Expired && buffer.IsEmpty && activity.RemainingIdle() > TimeSpan.Zero)
                {
                    // Quiet this way, but the other direction carried bytes lately: the tunnel is not idle.
                    from.AdvanceTo(buffer.Start);
                    continue;
                }

                if (!buffer.IsEmpty)
                {
                    activity.Touch();
                }

                foreach (var segment in buffer)
                {
                    to.Write(segment.Span);
                }

                from.AdvanceTo(buffer.End);
                if (!buffer.IsEmpty)
                {
                    var flush = await to.FlushAsync(lifetime).ConfigureAwait(false);
                    // A canceled flush is the other direction's idle deadline touching this connection's writer
                    // (the deadline covers reads and flushes); the bytes stay buffered for the next flush.
                    if (flush.IsCompleted)
                    {
                        return;
                    }
                }

                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ObjectDisposedException or InvalidOperationException or Microsoft.AspNetCore.Connections.ConnectionResetException)
        {
            // One side went away or the tunnel ended: the caller closes both.
        }
        finally
        {
            deadline.Disarm();
        }
    }
}
