using System.IO.Pipelines;
using System.Net;
using EdgeGw.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace EdgeGw.Server.Hosting;

/// <summary>
/// Kestrel's socket transport under the process's <see cref="DescriptorBudget"/>: a connection is accepted only
/// when the budget has a descriptor for it, and gives it back when Kestrel disposes it. Admin listeners are left
/// outside it. (The epoll transport keeps the budget in its own listener.)
/// </summary>
internal sealed class BudgetedListenerFactory(IConnectionListenerFactory inner, DescriptorBudget budget)
    : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    public bool CanBind(EndPoint endpoint) => inner is not IConnectionListenerFactorySelector selector || selector.CanBind(endpoint);

    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var listener = await inner.BindAsync(endpoint, cancellationToken).ConfigureAwait(false);
        return endpoint is GatewayHost.AdminEndPoint ? listener : new Listener(listener, budget);
    }

    private sealed class Listener(IConnectionListener inner, DescriptorBudget budget) : IConnectionListener
    {
        // Unbinding ends a wait for the budget too, so shutdown does not wait for some connection to close.
        private readonly CancellationTokenSource _unbound = new();

        public EndPoint EndPoint => inner.EndPoint;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            while (!budget.TryAcquire())
            {
                // Spent: clients wait in the kernel's backlog, not in descriptors this process may need.
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _unbound.Token);
                try
                {
                    await budget.WhenAvailable().WaitAsync(stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return null;
                }
            }

            ConnectionContext? connection;
            try
            {
                connection = await inner.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                budget.Release();
                throw;
            }

            if (connection is null)
            {
                budget.Release();
                return null;
            }

            return new Budgeted(connection, budget);
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            _unbound.Cancel();
            return inner.UnbindAsync(cancellationToken);
        }

        public ValueTask DisposeAsync()
        {
            _unbound.Cancel();
            return inner.DisposeAsync();
        }
    }

    /// <summary>The transport's connection, unchanged, except that disposing it gives its descriptor back (once).</summary>
    private sealed class Budgeted(ConnectionContext inner, DescriptorBudget budget) : ConnectionContext
    {
        private int _released;

        public override string ConnectionId { get => inner.ConnectionId; set => inner.ConnectionId = value; }
        public override IFeatureCollection Features => inner.Features;
        public override IDictionary<object, object?> Items { get => inner.Items; set => inner.Items = value; }
        public override IDuplexPipe Transport { get => inner.Transport; set => inner.Transport = value; }
        public override EndPoint? LocalEndPoint { get => inner.LocalEndPoint; set => inner.LocalEndPoint = value; }
        public override EndPoint? RemoteEndPoint { get => inner.RemoteEndPoint; set => inner.RemoteEndPoint = value; }
        public override CancellationToken ConnectionClosed { get => inner.ConnectionClosed; set => inner.ConnectionClosed = value; }

        public override void Abort() => inner.Abort();

        public override void Abort(ConnectionAbortedException abortReason) => inner.Abort(abortReason);

        public override async ValueTask DisposeAsync()
        {
            try
            {
                await inner.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                if (Interlocked.Exchange(ref _released, 1) == 0)
                {
                    budget.Release();
                }
            }
        }
    }
}
