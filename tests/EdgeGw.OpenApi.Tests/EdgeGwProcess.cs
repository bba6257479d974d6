using System.Diagnostics;
using System.Text;

namespace EdgeGw.OpenApi.Tests;

/// <summary>The built <c>edgegw</c> (src/EdgeGw/bin/&lt;Configuration&gt;/&lt;tfm&gt;/edgegw.dll) run as a child process.</summary>
internal sealed class EdgeGwProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly TaskCompletionSource<string> _serving = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private EdgeGwProcess(Process process) => _process = process;

    private static string Dll
    {
        get
        {
            var testBin = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var root = testBin;
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "EdgeGw.sln")))
            {
                root = root.Parent;
            }

            return Path.Combine(root!.FullName, "src", "EdgeGw", "bin", testBin.Parent!.Name, testBin.Name, "edgegw.dll");
        }
    }

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public static EdgeGwProcess Start(params string[] args) => StartWith(null, args);

    /// <param name="environment">Variables set for the child on top of the controlled ones below.</param>
    public static EdgeGwProcess StartWith(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        info.ArgumentList.Add(Dll);
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (string key in info.Environment.Keys.Where(k => k.StartsWith("EDGEGW_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }

        // Parallel tests: no fixed admin port; the state file away from the home directory.
        info.Environment["EDGEGW_ADMIN__LISTEN__0"] = "http://127.0.0.1:0";
        info.Environment.Remove("STATE_DIRECTORY");
        info.Environment["XDG_STATE_HOME"] = Path.Combine(Path.GetTempPath(), $"edgegw-oas-state-{Guid.NewGuid():N}");
        // No AWS credentials unless a test gives some: what a Lambda ARN needs at load must not depend on the machine.
        foreach (string key in info.Environment.Keys.Where(k => k.StartsWith("AWS_", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            info.Environment.Remove(key);
        }

        string noFile = Path.Combine(Path.GetTempPath(), $"edgegw-oas-no-aws-{Guid.NewGuid():N}");
        info.Environment["AWS_SHARED_CREDENTIALS_FILE"] = Path.Combine(noFile, "credentials");
        info.Environment["AWS_CONFIG_FILE"] = Path.Combine(noFile, "config");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var edgegw = new EdgeGwProcess(process);
        process.OutputDataReceived += (_, e) => edgegw.OnLine(e.Data, edgegw._stdout);
        process.ErrorDataReceived += (_, e) => edgegw.OnLine(e.Data, edgegw._stderr);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return edgegw;
    }

    /// <summary>Runs a command to its end: exit code, stdout, stderr.</summary>
    public static Task<(int Exit, string Stdout, string Stderr)> RunAsync(params string[] args) => RunWithAsync(null, args);

    public static async Task<(int Exit, string Stdout, string Stderr)> RunWithAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        await using var edgegw = StartWith(environment, args);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await edgegw._process.WaitForExitAsync(timeout.Token);
        // WaitForExitAsync also waits for the redirected streams to end.
        return (edgegw._process.ExitCode, edgegw.Stdout, edgegw.Stderr);
    }

    /// <summary>The first address of the "edgegw: serving … on …" line.</summary>
    public async Task<Uri> ServingAsync()
    {
        var exited = _process.WaitForExitAsync();
        var first = await Task.WhenAny(_serving.Task, exited, Task.Delay(TimeSpan.FromSeconds(60)));
        if (first != _serving.Task)
        {
            throw new InvalidOperationException($"edgegw did not start serving:\n{Stdout}\n{Stderr}");
        }

        string addresses = await _serving.Task;
        return new Uri(addresses.Split(", ")[0]);
    }

    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Seen)> _waiters = [];

    /// <summary>The next line (stdout or stderr) that matches, from now on.</summary>
    public Task<string> NextLineAsync(Func<string, bool> match)
    {
        var seen = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_waiters)
        {
            _waiters.Add((match, seen));
        }

        return seen.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    private void OnLine(string? line, StringBuilder into)
    {
        if (line is null)
        {
            return;
        }

        lock (into)
        {
            into.AppendLine(line);
        }

        lock (_waiters)
        {
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(line))
                {
                    _waiters[i].Seen.TrySetResult(line);
                    _waiters.RemoveAt(i);
                }
            }
        }

        const string marker = "edgegw: serving ";
        int at = line.IndexOf(marker, StringComparison.Ordinal);
        int on = line.LastIndexOf(" on ", StringComparison.Ordinal);
        if (at >= 0 && on > at)
        {
            _serving.TrySetResult(line[(on + 4)..].Trim());
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}
