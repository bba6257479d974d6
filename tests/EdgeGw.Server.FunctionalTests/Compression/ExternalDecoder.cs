using System.Diagnostics;

namespace EdgeGw.Server.FunctionalTests.Compression;

/// <summary>A fact that needs the gunzip and brotli CLIs (installed by .ci/run); skipped with a message where they are missing.</summary>
public sealed class DecoderFactAttribute : FactAttribute
{
    public DecoderFactAttribute()
    {
        if (ExternalDecoder.Find("gunzip") is null || ExternalDecoder.Find("brotli") is null)
        {
            Skip = "gunzip or brotli is not installed (.ci/run installs the gzip and brotli packages with apt-get)";
        }
    }
}

/// <summary>Decodes bodies with implementations that are not ours: <c>gunzip -c</c> and <c>brotli -d -c</c>, bounded in time.</summary>
public static class ExternalDecoder
{
    public static string? Find(string tool)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            string candidate = Path.Combine(dir, tool);
            if (dir.Length > 0 && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public static Task<byte[]> DecodeAsync(string coding, byte[] encoded) => coding switch
    {
        "gzip" => RunAsync("gunzip", ["-c"], encoded),
        "br" => RunAsync("brotli", ["-d", "-c"], encoded),
        _ => throw new ArgumentException($"no decoder for '{coding}'", nameof(coding)),
    };

    private static async Task<byte[]> RunAsync(string tool, string[] arguments, byte[] input)
    {
        var start = new ProcessStartInfo(Find(tool)!) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var output = new MemoryStream();
        var read = process.StandardOutput.BaseStream.CopyToAsync(output, timeout.Token);
        var errors = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.StandardInput.BaseStream.WriteAsync(input, timeout.Token);
        process.StandardInput.Close();
        await read;
        string stderr = await errors;
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidDataException($"{tool} exited with {process.ExitCode}: {stderr}");
        }

        return output.ToArray();
    }
}
