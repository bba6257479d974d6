namespace EdgeGw.Transport;

/// <summary>How the gateway does socket I/O, for client and upstream connections alike.</summary>
public enum TransportKind
{
    /// <summary>.NET's socket engine: Kestrel's socket transport on the client side, pipes over <see cref="System.Net.Sockets.Socket"/> upstream.</summary>
    Sockets,
    /// <summary>The gateway's own edge-triggered epoll loops (<see cref="EpollTransport"/>); Linux only.</summary>
    Epoll,
}
