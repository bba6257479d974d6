using Microsoft.AspNetCore.Connections;

namespace EdgeGw.Server.Http1;

/// <summary>Kestrel's entry point: each accepted connection is served by an <see cref="Http1Connection"/>.</summary>
public sealed class GatewayConnectionHandler(GatewayRuntime runtime) : ConnectionHandler
{
    public override Task OnConnectedAsync(ConnectionContext connection) => new Http1Connection(connection, runtime).ProcessAsync();
}
