using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;
using EdgeGw.Core.Model;
using EdgeGw.Core.Upstream;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Protocols.Http1;
using EdgeGw.Server.Infrastructure;

namespace EdgeGw.Server.Http1;

/// <summary>
/// WebSocket (and other <c>Upgrade</c>) tunnelling: the upgrade request goes to a fresh upstream connection
/// with its Upgrade/Connection headers; a 101 answer is relayed and then bytes are spliced both ways until
/// either side closes, the tunnel sits idle for the idle timeout, or it reaches its maximum lifetime. Any other
/// answer is relayed as a normal response. Throttles and API keys ran before this, as for any request.
/// </summary>
internal sealed partial class Http1Connection
{
    private bool _expectUpgrade;

    private bool IsWebSocketUpgrade(ReadOnlySpan<byte> head) =>
        _request.UpgradeRequested && _request.Method == HttpMethod.Get && _request.Body == BodyKind.None
        && Ascii.EqualsIgnoreCase(HeaderValue(head, "upgrade"u8), "websocket"u8);

    [AsyncMethodBuilder(typeof(PooledValueTaskMethodBuilder<>))]
    private async ValueTask<bool> TunnelAsync(GatewaySnapshot snapshot, RouteModel route, HttpIntegrationModel http, ReadOnlyMemory<byte> head, SequencePosition headEnd, RouteMatch match)
    {
        var cluster = snapshot.Clusters[http.Cluster.Index];
        if (_unflushedResponses > 0)
        {
            _unflushedResponses = 0;
            await _output.FlushAsync().ConfigureAwait(false);
        }

        // Never a pooled connection: after a 101 it belongs to this tunnel for good. A failed connect tries another destination.
        var (destination, connection, leaseError) = await cluster.LeaseAsync(forceNew: true).ConfigureAwait(false);
        if (connection is null)
        {
            _input.AdvanceTo(headEnd);
            return await WriteGatewayResponseAsync(leaseError.ToStatusCode(), close: false).ConfigureAwait(false);
        }

        ResponseHeadOutcome outcome;
        _expectUpgrade = true;
        try
        {
            WriteUpstreamHead(connection.Output, head.Span, route, http, ref match, destination, HeaderValue(head.Span, "upgrade"u8));
            _input.AdvanceTo(headEnd);
            var flush = await connection.Output.FlushAsync().ConfigureAwait(false);
            outcome = flush.IsCompleted ? ResponseHeadOutcome.ClosedBeforeResponse : await ReadResponseHeadAsync(connection, http.ResponseTimeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException or System.Net.Sockets.SocketException)
        {
            outcome = ResponseHeadOutcome.ClosedBeforeResponse;
        }
        finally
        {
            _expectUpgrade = false;
        }

        if (outcome != ResponseHeadOutcome.Received)
        {
            destination.Return(connection, reusable: false);
            return await WriteGatewayResponseAsync(outcome == ResponseHeadOutcome.TimedOut ? 504 : 502, close: false).ConfigureAwait(false);
        }

        if (_response.StatusCode != 101)
        {
            // Refused (401, 426, …): an ordinary response, after which the upstream connection is not reused.
            _response.KeepAlive = false;
            return await RelayResponseAsync(connection).ConfigureAwait(false);
        }

        var headSequence = _upstreamBuffer.Slice(_upstreamScanner.HeadStart, _upstreamHeadLength);
        WriteSwitchingProtocols(ResponseHeadSpan(headSequence).Span);
        connection.Input.AdvanceTo(headSequence.End);
        _upstreamBuffer = default;
        ReturnRequestBuffers();
        await _output.FlushAsync().ConfigureAwait(false);

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

    private void WriteSwitchingProtocols(ReadOnlySpan<byte> head)
    {
        var writer = new BufferWriter<PipeWriter>(_output);
        writer.Write("HTTP/1.1 101 Switching Protocols\r\n"u8);
        var headers = new ReadOnlySpan<HeaderEntry>(_responseHeaders, 0, _responseHeaderCount);
        foreach (ref readonly var entry in headers)
        {
            if (KnownHeaders.IsHopByHop(entry.Known) || entry.Known == KnownHeader.ContentLength)
            {
                continue;
            }

            writer.WriteHeader(entry.Name(head), entry.Value(head));
        }

        writer.Write("Connection: Upgrade\r\nUpgrade: websocket\r\n"u8);
        if (_requestIdLength > 0)
        {
            writer.WriteHeader("X-Request-Id"u8, RequestId);
        }

        writer.Write("\r\n"u8);
        writer.Commit();
    }

    /// <summary>Copies both directions until one ends; then the other is cut too.</summary>
    private async Task SpliceAsync(UpstreamConnection connection, ServerSettings server)
    {
        using var lifetime = new CancellationTokenSource(server.TunnelMaxLifetime, _runtime.Time);
        var activity = new TunnelActivity(_runtime.Time, server.TunnelIdleTimeout);
        var toUpstream = CopyAsync(_input, connection.Output, _deadline, activity, lifetime.Token);
        var toClient = CopyAsync(connection.Input, _output, connection.Deadline, activity, lifetime.Token);
        await Task.WhenAny(toUpstream, toClient).ConfigureAwait(false);
        lifetime.Cancel();
        _input.CancelPendingRead();
        connection.Input.CancelPendingRead();
        await Task.WhenAll(toUpstream, toClient).ConfigureAwait(false);
    }

    private static async Task CopyAsync(PipeReader from, PipeWriter to, Core.Infrastructure.IoDeadline deadline, TunnelActivity activity, CancellationToken lifetime)
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

    /// <summary>When either direction last carried bytes: a tunnel is idle only when both are quiet.</summary>
    private sealed class TunnelActivity(TimeProvider time, TimeSpan idleTimeout)
    {
        private long _last = time.GetTimestamp();

        public void Touch() => Volatile.Write(ref _last, time.GetTimestamp());

        public TimeSpan RemainingIdle() => idleTimeout - time.GetElapsedTime(Volatile.Read(ref _last));
    }
}
