using System.Net.Http;

namespace EdgeGw.Host.Tests;

/// <summary>
/// sd_notify under <c>Type=notify</c>: the test plays systemd's side, a datagram socket named by
/// <c>NOTIFY_SOCKET</c>, and reads what the real gateway process sends there.
/// </summary>
public sealed class SystemdTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task NotifySocket_ReadyOnceListening_ReloadingAndReadyOnSighup_StoppingOnSigterm(bool abstractNamespace)
    {
        using var notify = new NotifySocket(abstractNamespace);
        using var file = TempFile.Json(MockConfig("one"));
        await using var gateway = GatewayProcess.Start(["--config", file.Path, "--server:listen:0=http://127.0.0.1:0"],
            new Dictionary<string, string> { ["NOTIFY_SOCKET"] = notify.Address });

        string ready = await notify.ReceiveAsync();
        int port = await gateway.WaitForListeningAsync();
        Assert.StartsWith("READY=1\n", ready, StringComparison.Ordinal);
        Assert.Contains($"\nSTATUS=serving on http://127.0.0.1:{port}", ready, StringComparison.Ordinal);
        Assert.Contains($"\nMAINPID={gateway.Id}", ready, StringComparison.Ordinal);

        // systemctl reload with the file as it was: RELOADING=1, the file read, READY=1 again.
        var unchanged = gateway.WaitForLineAsync(l => l.Contains("reload requested", StringComparison.Ordinal), Timeout);
        gateway.SendSighup();
        Assert.Matches(@"^RELOADING=1\nMONOTONIC_USEC=\d+$", await notify.ReceiveAsync());
        Assert.StartsWith("READY=1\n", await notify.ReceiveAsync(), StringComparison.Ordinal);
        Assert.Equal($"edgegw: reload requested: {file.Path} is unchanged", await unchanged);

        // A changed file and SIGHUP: applied, and READY=1 comes after it is in effect.
        await File.WriteAllTextAsync(file.Path, MockConfig("two"));
        gateway.SendSighup();
        Assert.StartsWith("RELOADING=1\n", await notify.ReceiveAsync(), StringComparison.Ordinal);
        Assert.StartsWith("READY=1\n", await notify.ReceiveAsync(), StringComparison.Ordinal);
        using (var client = new HttpClient())
        {
            Assert.Equal("two", await client.GetStringAsync(new Uri($"http://127.0.0.1:{port}/s/x")));
        }

        gateway.SendSigterm();
        Assert.Equal("STOPPING=1\nSTATUS=draining", await notify.ReceiveAsync());
        Assert.Equal(0, await gateway.WaitForExitAsync(Timeout));
    }

    [Fact]
    public async Task Sighup_WithTheEmbeddedDemoConfig_SaysThereIsNothingToReloadAndKeepsServing()
    {
        await using var gateway = GatewayProcess.Start(["--server:listen:0=http://127.0.0.1:0"], workingDirectory: EmptyDirectory());
        int port = await gateway.WaitForListeningAsync();
        var line = gateway.WaitForLineAsync(l => l.Contains("no file to reload", StringComparison.Ordinal), Timeout);
        gateway.SendSighup();
        await line;
        using var client = new HttpClient();
        var response = await client.GetAsync(new Uri($"http://127.0.0.1:{port}/demo/hello"));
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }

    private static string EmptyDirectory()
    {
        string path = Path.Combine(Path.GetTempPath(), $"edgegw-empty-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    private static string MockConfig(string body) => $$"""
        { "apis": [ { "name": "a", "stages": [ { "name": "s" } ],
          "routes": [ { "key": "GET /x", "integration": { "type": "mock", "body": "{{body}}" } } ] } ] }
        """;
}
