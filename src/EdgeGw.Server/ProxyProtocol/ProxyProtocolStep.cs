using System.IO.Pipelines;
using System.Net;
using EdgeGw.Core.Infrastructure;
using EdgeGw.Protocols.Proxy;
using Microsoft.AspNetCore.Connections;

namespace EdgeGw.Server.ProxyProtocol;

/// <summary>
/// Kestrel connection middleware on a listener with <c>"proxyProtocol": true</c>: reads the PROXY protocol header
/// (v1 or v2) before anything else reads the connection — before TLS, which is added to the listener after it —
/// and makes the client it names the connection's <see cref="ConnectionContext.RemoteEndPoint"/> (and the address
/// it connected to the <see cref="ConnectionContext.LocalEndPoint"/>), which is where the gateway takes the peer
/// address from. A missing, malformed or late header closes the connection (counted); the listener goes on.
/// Per connection, not per request: one deadline timer while the header is read, and the endpoints it sets.
/// </summary>
internal sealed class ProxyProtocolStep(ConnectionDelegate next, GatewayRuntime runtime, TimeSpan timeout)
{
    public Task OnConnectionAsync(ConnectionContext context) => ReadHeaderAsync(context);

    private async Task ReadHeaderAsync(ConnectionContext context)
    {
        var input = context.Transport.Input;
        var counters = runtime.ProxyProtocol;
        using (var deadline = new IoDeadline(runtime.Time))
        {
            deadline.Attach(input);
            deadline.Arm(timeout);
            while (true)
            {
                ReadResult result;
                try
                {
                    result = await input.ReadAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException or OperationCanceledException)
                {
                    counters.OnClosedEarly();
                    return;
                }

                var buffer = result.Buffer;
                var status = ProxyHeaderReader.TryRead(buffer, out var header, out long consumed, out var error);
                if (status == ProxyHeaderStatus.Complete)
                {
                    deadline.Disarm();
                    input.AdvanceTo(buffer.GetPosition(consumed));
                    if (header.HasAddresses)
                    {
                        context.RemoteEndPoint = new IPEndPoint(header.Source.ToIPAddress(), header.SourcePort);
                        context.LocalEndPoint = new IPEndPoint(header.Destination.ToIPAddress(), header.DestinationPort);
                    }

                    counters.OnAccepted();
                    break;
                }

                if (status == ProxyHeaderStatus.Error)
                {
                    input.AdvanceTo(buffer.End);
                    counters.OnRefused(error);
                    return;
                }

                if (result.IsCompleted)
                {
                    input.AdvanceTo(buffer.End);
                    counters.OnClosedEarly();
                    return;
                }

                if (result.IsCanceled && deadline.Expired)
                {
                    input.AdvanceTo(buffer.End);
                    counters.OnTimedOut();
                    return;
                }

                input.AdvanceTo(buffer.Start, buffer.End);
            }
        }

        await next(context).ConfigureAwait(false);
    }
}
