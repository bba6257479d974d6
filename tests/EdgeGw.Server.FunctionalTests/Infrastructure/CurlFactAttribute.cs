namespace EdgeGw.Server.FunctionalTests.Infrastructure;

/// <summary>A fact that needs the curl executable (installed by .ci/run); skipped with a message where it is missing.</summary>
public sealed class CurlFactAttribute : FactAttribute
{
    public CurlFactAttribute()
    {
        if (Curl.Path is null)
        {
            Skip = "curl is not installed (.ci/run installs it with apt-get)";
        }
    }
}

/// <summary>Runs curl, bounded in time, and returns its standard output.</summary>
public static class Curl
{
    public static string? Path { get; } = Find();

    private static string? Find()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            string candidate = System.IO.Path.Combine(dir, "curl");
            if (dir.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static async Task<string> RunAsync(params string[] arguments)
    {
        var start = new System.Diagnostics.ProcessStartInfo(Path!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        string output = await process.StandardOutput.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return output;
    }
}
