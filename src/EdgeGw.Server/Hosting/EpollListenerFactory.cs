using System.IO.Pipelines;
using System.Net;
using EdgeGw.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace EdgeGw.Server.Hosting;

/// <summary>Kestrel's listeners on the gateway's own epoll transport (<see cref="EpollTransport"/>).</summary>
internal sealed class EpollListenerFactory : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    // Kestrel's defaults for a connection: 1 MiB received but unread, 64 KiB written but unsent.
    private static readonly PipeOptions s_receiveOptions = EpollTransport.CreatePipeOptions(1024 * 1024);
    private static readonly PipeOptions s_sendOptions = EpollTransport.CreatePipeOptions(64 * 1024);
    private const int Backlog = 512;
    // Admin connections are counted apart and never refused (see GatewayHost.AdminEndPoint).
    private static readonly DescriptorBudget s_adminBudget = DescriptorBudget.Unlimited();

    public bool CanBind(EndPoint endpoint) => endpoint is IPEndPoint;

    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        if (endpoint is not IPEndPoint)
        {
            throw new NotSupportedException($"The epoll transport listens on IP endpoints only, not {endpoint}.");
        }

        System.Net.Sockets.Socket socket;
        try
        {
            socket = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
        }
        catch (System.Net.Sockets.SocketException e) when (e.SocketErrorCode == System.Net.Sockets.SocketError.AddressAlreadyInUse)
        {
            // As Kestrel's socket transport reports it, so Kestrel names the address in the error it throws.
            throw new AddressInUseException(e.Message, e);
        }

        try
        {
            var budget = endpoint is GatewayHost.AdminEndPoint ? s_adminBudget : DescriptorBudget.Process;
            return new(new Listener(EpollListener.Start(socket, Backlog, s_receiveOptions, s_sendOptions, budget)));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private sealed class Listener(EpollListener listener) : IConnectionListener
    {
        public EndPoint EndPoint => listener.EndPoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            var connection = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            return connection is null ? null : new Connection(connection, listener.EndPoint);
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default) => listener.DisposeAsync();

        public ValueTask DisposeAsync() => listener.DisposeAsync();
    }

    private sealed class Connection : ConnectionContext
    {
        private static long s_lastId;
        private readonly EpollConnection _connection;
        private IDictionary<object, object?>? _items;

        public Connection(EpollConnection connection, EndPoint local)
        {
            _connection = connection;
            Transport = connection;
            LocalEndPoint = local;
            RemoteEndPoint = connection.RemoteEndPoint;
            ConnectionId = "e" + Interlocked.Increment(ref s_lastId).ToString("x", System.Globalization.CultureInfo.InvariantCulture);
        }

        public override string ConnectionId { get; set; }

        public override IFeatureCollection Features { get; } = new FeatureCollection();

        public override IDictionary<object, object?> Items
        {
            get => _items ??= new Dictionary<object, object?>();
            set => _items = value;
        }

        public override IDuplexPipe Transport { get; set; }

        public override void Abort(ConnectionAbortedException abortReason) => _connection.Abort();

        public override ValueTask DisposeAsync() => _connection.CloseAsync();
    }
}
