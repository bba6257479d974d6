using System.Net.Sockets;
using System.Text;

namespace EdgeGw.Host.Tests;

/// <summary>systemd's end of the notification socket: a bound datagram socket, by path or in the abstract namespace.</summary>
internal sealed class NotifySocket : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly string? _path;
    private readonly byte[] _buffer = new byte[4096];

    public NotifySocket(bool abstractNamespace)
    {
        string name = $"edgegw-notify-{Guid.NewGuid():N}";
        if (abstractNamespace)
        {
            Address = "@" + name;
            _socket.Bind(new UnixDomainSocketEndPoint("\0" + name));
        }
        else
        {
            _path = Path.Combine(Path.GetTempPath(), name);
            Address = _path;
            _socket.Bind(new UnixDomainSocketEndPoint(_path));
        }
    }

    public string Address { get; }

    public async Task<string> ReceiveAsync()
    {
        int read = await _socket.ReceiveAsync(_buffer, SocketFlags.None).WaitAsync(Timeout);
        return Encoding.UTF8.GetString(_buffer, 0, read);
    }

    public void Dispose()
    {
        _socket.Dispose();
        if (_path is not null)
        {
            File.Delete(_path);
        }
    }
}
