using System.Diagnostics;
using System.Text.Json;

namespace EdgeGw.Server.FunctionalTests.Lambda;

/// <summary>
/// A Lambda Invoke-API endpoint the test starts: <c>node/invoke-shim.js</c> running the JavaScript handler
/// <c>node/handler.js</c> (written as for AWS Lambda against API Gateway's proxy events). Ends when disposed.
/// </summary>
public sealed class InvokeShim : IAsyncDisposable
{
    private const string ShimPath = "tests/EdgeGw.Server.FunctionalTests/Lambda/node/invoke-shim.js";

    private readonly Process _process;

    private InvokeShim(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public static string? Node { get; } = FindOnPath("node");
    public static string? Script { get; } = FindScript();

    /// <summary>Why the shim cannot run, or null when it can.</summary>
    public static string? MissingMessage { get; } =
        Node is null ? "node is not on PATH (install Node.js 18+; .ci/run installs it)"
        : Script is null ? $"{ShimPath} was not found above {AppContext.BaseDirectory}"
        : null;

    public int Port { get; }

    /// <summary>The endpoint as a lambda integration's <c>function</c> or <c>endpoint</c>.</summary>
    public string Url => $"http://127.0.0.1:{Port}";

    /// <param name="handler">Another handler module beside handler.js (e.g. <c>authorizer.js</c>), or null for handler.js.</param>
    public static async Task<InvokeShim> StartAsync(string? handler = null)
    {
        var info = new ProcessStartInfo(Node ?? throw new InvalidOperationException(MissingMessage))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Script!);
        if (handler is not null)
        {
            info.ArgumentList.Add(Path.Combine(Path.GetDirectoryName(Script!)!, handler));
        }

        var process = Process.Start(info)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        string? line;
        try
        {
            line = await process.StandardOutput.ReadLineAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            line = null;
        }

        if (line is null)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("invoke-shim.js did not start: " + await process.StandardError.ReadToEndAsync());
        }

        using var json = JsonDocument.Parse(line);
        return new InvokeShim(process, json.RootElement.GetProperty("port").GetInt32());
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    private static string? FindScript()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            string candidate = Path.Combine(directory.FullName, ShimPath);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string? FindOnPath(string name)
    {
        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}

/// <summary>A fact that needs node for the Invoke-API shim; skipped with a message where it is missing.</summary>
public sealed class NodeLambdaFactAttribute : FactAttribute
{
    public NodeLambdaFactAttribute()
    {
        if (InvokeShim.MissingMessage is { } missing)
        {
            Skip = missing;
        }
    }
}
