using System.Net.Sockets;
using System.Text;

namespace EdgeGw;

/// <summary>
/// systemd's readiness protocol (sd_notify(3)) without libsystemd: one datagram per state change to the socket
/// named by <c>NOTIFY_SOCKET</c> (a path, or <c>@name</c> in the abstract namespace). Used by the unit's
/// <c>Type=notify</c>: <c>READY=1</c> once every listener is bound, <c>RELOADING=1</c> … <c>READY=1</c> around a
/// SIGHUP reload, <c>STOPPING=1</c> when the drain begins, and <c>WATCHDOG=1</c> at half of <c>WATCHDOG_USEC</c>
/// when the unit sets <c>WatchdogSec=</c>. Without <c>NOTIFY_SOCKET</c> (not under systemd) nothing is created.
/// A failed send is reported once and never stops the gateway.
/// </summary>
internal sealed class SystemdNotifier : IDisposable
{
    private readonly Socket _socket;
    private readonly UnixDomainSocketEndPoint _endPoint;
    private readonly Action<string> _report;
    private readonly Timer? _watchdog;
    private int _reported;

    private SystemdNotifier(string address, TimeSpan? watchdogInterval, Action<string> report)
    {
        _report = report;
        // "@name" is the abstract namespace: the address starts with a NUL byte.
        _endPoint = new UnixDomainSocketEndPoint(address[0] == '@' ? "\0" + address[1..] : address);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        if (watchdogInterval is { } interval)
        {
            _watchdog = new Timer(static s => ((SystemdNotifier)s!).Send("WATCHDOG=1"), this, interval, interval);
        }
    }

    /// <summary>The notifier for this process, or null when systemd did not ask for notifications.</summary>
    public static SystemdNotifier? FromEnvironment(Action<string> report)
    {
        string? address = Environment.GetEnvironmentVariable("NOTIFY_SOCKET");
        if (string.IsNullOrEmpty(address))
        {
            return null;
        }

        // WATCHDOG_PID, when set, names the process the watchdog is meant for.
        string? watchdogPid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        TimeSpan? watchdog = null;
        if (long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), out long usec) && usec > 0
            && (string.IsNullOrEmpty(watchdogPid) || watchdogPid == Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        {
            watchdog = TimeSpan.FromMicroseconds(usec / 2.0);
        }

        return new SystemdNotifier(address, watchdog, report);
    }

    public void Ready(string status) => Send($"READY=1\nSTATUS={status}\nMAINPID={Environment.ProcessId}");

    /// <summary>systemd 253's notify-reload wants the monotonic clock with RELOADING=1; older ones ignore it.</summary>
    public void Reloading() => Send($"RELOADING=1\nMONOTONIC_USEC={MonotonicMicroseconds()}");

    public void Stopping(string status) => Send($"STOPPING=1\nSTATUS={status}");

    private void Send(string state)
    {
        try
        {
            _socket.SendTo(Encoding.UTF8.GetBytes(state), SocketFlags.None, _endPoint);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            if (Interlocked.Exchange(ref _reported, 1) == 0)
            {
                _report($"cannot notify systemd at {Environment.GetEnvironmentVariable("NOTIFY_SOCKET")}: {e.Message}");
            }
        }
    }

    /// <summary>CLOCK_MONOTONIC in microseconds (Stopwatch's clock on Linux).</summary>
    private static long MonotonicMicroseconds() =>
        (long)(System.Diagnostics.Stopwatch.GetTimestamp() * (1_000_000.0 / System.Diagnostics.Stopwatch.Frequency));

    public void Dispose()
    {
        _watchdog?.Dispose();
        _socket.Dispose();
    }
}
