using System.Globalization;
using System.Runtime.InteropServices;
using EdgeGw.Server.Hosting;
using Microsoft.Extensions.Logging;

namespace EdgeGw;

/// <summary>
/// The signals a running gateway answers, registered before it says it serves (a signal sent from then on never
/// meets the default action, which ends the process): SIGTERM/SIGINT stop (drain), SIGHUP reloads the config file
/// now (systemd's ExecReload, with RELOADING=1/READY=1), SIGUSR1 reopens the access log files (logrotate's
/// postrotate, as nginx), SIGUSR2 prints the counters line (for load harnesses).
/// </summary>
internal sealed class GatewaySignals : IDisposable
{
    private const PosixSignal SigUsr1 = (PosixSignal)10;
    private const PosixSignal SigUsr2 = (PosixSignal)12;

    private readonly CancellationTokenSource _stop = new();
    private readonly List<PosixSignalRegistration> _registrations = [];

    public GatewaySignals(GatewayHost host, ConfigReloader? reload, SystemdNotifier? systemd, ILogger log)
    {
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop));
        _registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
        {
            context.Cancel = true;
            // Off the signal thread: a reload reads and compiles the file.
            ThreadPool.UnsafeQueueUserWorkItem(_ =>
            {
                systemd?.Reloading();
                if (reload is null)
                {
                    CliLog.NothingToReload(log);
                }
                else
                {
                    reload.ReloadNow();
                }

                systemd?.Ready($"serving on {string.Join(", ", host.Addresses)}");
            }, null);
        }));
        if (OperatingSystem.IsLinux())
        {
            _registrations.Add(PosixSignalRegistration.Create(SigUsr1, context =>
            {
                context.Cancel = true;
                host.Runtime.AccessLogs.Reopen();
            }));
            _registrations.Add(PosixSignalRegistration.Create(SigUsr2, context =>
            {
                context.Cancel = true;
                PrintStats(host);
            }));
        }
    }

    /// <summary>Cancelled by the first SIGTERM or SIGINT.</summary>
    public CancellationToken Stopping => _stop.Token;

    private void Stop(PosixSignalContext context)
    {
        context.Cancel = true;
        _stop.Cancel();
    }

    private static void PrintStats(GatewayHost host)
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"edgegw: stats requests={host.Runtime.RequestsServed} connections={host.Runtime.ActiveConnections} allocated_bytes={GC.GetTotalAllocatedBytes(precise: true)} gen0={GC.CollectionCount(0)} gen1={GC.CollectionCount(1)} gen2={GC.CollectionCount(2)} heap_bytes={GC.GetTotalMemory(false)} rss_bytes={process.WorkingSet64}"));
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _stop.Dispose();
    }
}
