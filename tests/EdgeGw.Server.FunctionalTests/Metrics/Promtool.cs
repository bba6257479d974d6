using System.Diagnostics;

namespace EdgeGw.Server.FunctionalTests.Metrics;

/// <summary>Debian's prometheus package (promtool and prometheus, installed by .ci/run); tests skip without it.</summary>
public static class PrometheusTools
{
    public static string? Promtool { get; } = Find("promtool");
    public static string? Prometheus { get; } = Find("prometheus");

    private static string? Find(string name)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            string candidate = Path.Combine(dir, name);
            if (dir.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Runs <c>promtool check metrics</c> on <paramref name="exposition"/>; returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> CheckMetricsAsync(string exposition)
    {
        var start = new ProcessStartInfo(Promtool!) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("check");
        start.ArgumentList.Add("metrics");
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.StandardInput.WriteAsync(exposition.AsMemory(), timeout.Token);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}

/// <summary>A fact that needs promtool.</summary>
public sealed class PromtoolFactAttribute : FactAttribute
{
    public PromtoolFactAttribute()
    {
        if (PrometheusTools.Promtool is null)
        {
            Skip = "promtool is not installed (.ci/run installs Debian's prometheus package with apt-get)";
        }
    }
}

/// <summary>A fact that needs the prometheus server.</summary>
public sealed class PrometheusFactAttribute : FactAttribute
{
    public PrometheusFactAttribute()
    {
        if (PrometheusTools.Prometheus is null)
        {
            Skip = "prometheus is not installed (.ci/run installs Debian's prometheus package with apt-get)";
        }
    }
}
