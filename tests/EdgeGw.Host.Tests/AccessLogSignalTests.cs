using System.Net.Http;

namespace EdgeGw.Host.Tests;

/// <summary>The real process and logrotate's way of rotating: rename the file, SIGUSR1, lines go to a new file; SIGUSR2 prints the counters.</summary>
public sealed class AccessLogSignalTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _directory = Directory.CreateTempSubdirectory("edgegw-accesslog-host-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static int CountLines(string path) => File.Exists(path) ? File.ReadAllLines(path).Length : 0;

    [Fact]
    public async Task Sigusr1_AfterARename_ReopensTheFile_AndNoLineIsLost()
    {
        string log = Path.Combine(_directory, "access.log");
        string config = Path.Combine(_directory, "edgegw.json");
        File.WriteAllText(config, $$"""
            { "accessLog": { "destination": {{System.Text.Json.JsonSerializer.Serialize(log)}}, "format": "clf" },
              "apis": [ { "name": "a", "stages": [ { "name": "s" } ],
              "routes": [ { "key": "GET /x", "integration": { "type": "mock", "body": "x" } } ] } ] }
            """);
        await using var gateway = GatewayProcess.Start(["--config", config, "--server:listen:0=http://127.0.0.1:0"]);
        int port = await gateway.WaitForListeningAsync();
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        int sent = 0;
        for (; sent < 3; sent++)
        {
            Assert.Equal("x", await client.GetStringAsync("/s/x"));
        }

        var deadline = DateTime.UtcNow + Timeout;
        while (CountLines(log) < sent && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Equal(sent, CountLines(log));
        string rotated = log + ".1";
        File.Move(log, rotated);
        gateway.SendSignal(10);

        // Until the reopen is seen, lines still go to the renamed file; then to a new one.
        while (!File.Exists(log) && DateTime.UtcNow < deadline)
        {
            Assert.Equal("x", await client.GetStringAsync("/s/x"));
            sent++;
            await Task.Delay(20);
        }

        Assert.True(File.Exists(log), "no new file after SIGUSR1");
        gateway.SendSigterm();
        Assert.Equal(0, await gateway.WaitForExitAsync(Timeout));
        Assert.True(CountLines(log) >= 1);
        Assert.Equal(sent, CountLines(rotated) + CountLines(log));
        Assert.All(File.ReadAllLines(log), line => Assert.Matches(@"^127\.0\.0\.1 - - \[[^\]]+\] ""GET /s/x HTTP/1\.1"" 200 1 \S+$", line));
    }

    [Fact]
    public async Task Sigusr2_PrintsTheCounters()
    {
        await using var gateway = GatewayProcess.Start(["--server:listen:0=http://127.0.0.1:0", "--admin:listen:0=http://127.0.0.1:0"]);
        await gateway.WaitForListeningAsync();

        gateway.SendSignal(12);

        string line = await gateway.WaitForLineAsync(l => l.Contains("edgegw: stats", StringComparison.Ordinal), Timeout);
        Assert.Contains("allocated_bytes=", line, StringComparison.Ordinal);
    }
}
