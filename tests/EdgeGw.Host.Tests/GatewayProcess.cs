using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace EdgeGw.Host.Tests;

/// <summary>The built <c>edgegw</c> executable run as a child process, with its output captured line by line.</summary>
internal sealed partial class GatewayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Signal)> _waiters = [];

    private GatewayProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public static string HostDll
    {
        get
        {
            // tests/EdgeGw.Host.Tests/bin/<Configuration>/net10.0 → src/EdgeGw/bin/<Configuration>/net10.0
            var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            string tfm = testBin.Name;
            string configuration = testBin.Parent!.Name;
            var root = testBin;
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "EdgeGw.sln")))
            {
                root = root.Parent;
            }

            return Path.Combine(root!.FullName, "src", "EdgeGw", "bin", configuration, tfm, "edgegw.dll");
        }
    }

    /// <param name="descriptorLimit">Runs the gateway under <c>prlimit --nofile=N:N</c> (util-linux), soft and hard.</param>
    public static GatewayProcess Start(IEnumerable<string> args, IDictionary<string, string>? environment = null, string? workingDirectory = null, int? descriptorLimit = null)
    {
        var info = new ProcessStartInfo(descriptorLimit is null ? "dotnet" : "prlimit")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        if (descriptorLimit is { } limit)
        {
            // prlimit sets the limit on itself and executes the command: the process id stays the gateway's.
            info.ArgumentList.Add(FormattableString.Invariant($"--nofile={limit}:{limit}"));
            info.ArgumentList.Add("dotnet");
        }

        info.ArgumentList.Add(HostDll);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("EDGEGW_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        // Tests run in parallel: the admin API must not claim its fixed default port.
        info.Environment["EDGEGW_ADMIN__LISTEN__0"] = "http://127.0.0.1:0";
        // The default state file must not land in the real home directory (nor in a StateDirectory of the runner).
        info.Environment.Remove("STATE_DIRECTORY");
        info.Environment["XDG_STATE_HOME"] = Path.Combine(Path.GetTempPath(), $"edgegw-host-state-{Guid.NewGuid():N}");

        if (environment is not null)
        {
            foreach (var pair in environment)
            {
                info.Environment[pair.Key] = pair.Value;
            }
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var gateway = new GatewayProcess(process);
        process.OutputDataReceived += (_, e) => gateway.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => gateway.OnLine(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return gateway;
    }

    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_lines)
        {
            _lines.Add(line);
            foreach (var waiter in _waiters)
            {
                if (waiter.Match(line))
                {
                    waiter.Signal.TrySetResult(line);
                }
            }
        }
    }

    /// <summary>Completes with the first output line (past or future) that matches.</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout)
    {
        var signal = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lines)
        {
            foreach (var line in _lines)
            {
                if (match(line))
                {
                    return Task.FromResult(line);
                }
            }

            _waiters.Add((match, signal));
        }

        return signal.Task.WaitAsync(timeout);
    }

    /// <summary>Waits for "serving … on http://127.0.0.1:PORT" and returns the port.</summary>
    public async Task<int> WaitForListeningAsync()
    {
        var startup = WaitForLineAsync(l => l.Contains("edgegw: serving", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        var exited = _process.WaitForExitAsync();
        if (await Task.WhenAny(startup, exited) == exited)
        {
            throw new InvalidOperationException($"edgegw exited with {_process.ExitCode} before listening:\n{Output}");
        }

        var match = PortPattern().Match(await startup);
        return int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Waits for "admin API on http://127.0.0.1:PORT" and returns the port.</summary>
    public async Task<int> WaitForAdminAsync()
    {
        string line = await WaitForLineAsync(l => l.Contains("edgegw: admin API on", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        return int.Parse(PortPattern().Match(line).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        await _process.WaitForExitAsync().WaitAsync(timeout);
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public void SendSigterm() => _ = Kill(_process.Id, 15);

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public void SendSigkill() => _ = Kill(_process.Id, 9);

    public void SendSighup() => _ = Kill(_process.Id, 1);
    /// <summary>Sends signal number <paramref name="signal"/> (10 SIGUSR1: reopen access logs, 12 SIGUSR2: print counters).</summary>
    public void SendSignal(int signal) => _ = Kill(_process.Id, signal);

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    [GeneratedRegex(@"http://[^\s,]+:(\d+)")]
    private static partial Regex PortPattern();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
