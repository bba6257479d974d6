using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace EdgeGw.Host.Tests;

/// <summary>The gateway's own log on the real process's stdout and stderr: levels, the json format, no host banner.</summary>
public sealed class LoggingTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Start_WritesTheGatewayStartLine_AndNoHostBanner()
    {
        string path = WriteConfig(MockConfig("one"));
        try
        {
            await using var gateway = GatewayProcess.Start(["--config", path, "--server:listen:0=http://127.0.0.1:0"]);
            int port = await gateway.WaitForListeningAsync();
            using var client = new HttpClient();
            Assert.Equal("one", await client.GetStringAsync(new Uri($"http://127.0.0.1:{port}/s/x")));
            gateway.SendSigterm();
            Assert.Equal(0, await gateway.WaitForExitAsync(Timeout));

            string output = gateway.Output;
            Assert.Contains("edgegw: serving ", output, StringComparison.Ordinal);
            foreach (var banner in new[] { "Now listening on", "Application started", "Hosting environment", "Content root", "Microsoft.Hosting.Lifetime" })
            {
                Assert.DoesNotContain(banner, output, StringComparison.Ordinal);
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task LevelWarning_HidesTheInformationStartAndReloadLines()
    {
        // The lines that say "listening" and "reloaded" are hidden, so the test waits on sd_notify instead: READY=1
        // (with the address) once listening, and RELOADING=1 then READY=1 around a SIGHUP reload, READY=1 sent once
        // the new config is in effect.
        using var notify = new NotifySocket(abstractNamespace: true);
        string path = WriteConfig(MockConfig("one", """ "logging": { "level": "Warning" }, """));
        try
        {
            await using var gateway = GatewayProcess.Start(["--config", path, "--server:listen:0=http://127.0.0.1:0"],
                new Dictionary<string, string> { ["NOTIFY_SOCKET"] = notify.Address });
            string ready = await notify.ReceiveAsync();
            Assert.StartsWith("READY=1\n", ready, StringComparison.Ordinal);
            var address = Regex.Match(ready, @"STATUS=serving on (http://127\.0\.0\.1:\d+)");
            Assert.True(address.Success, ready);
            using var client = new HttpClient { BaseAddress = new Uri(address.Groups[1].Value) };
            Assert.Equal("one", await client.GetStringAsync(new Uri("/s/x", UriKind.Relative)));

            File.WriteAllText(path, MockConfig("two", """ "logging": { "level": "Warning" }, """));
            gateway.SendSighup();
            Assert.StartsWith("RELOADING=1\n", await notify.ReceiveAsync(), StringComparison.Ordinal);
            Assert.StartsWith("READY=1\n", await notify.ReceiveAsync(), StringComparison.Ordinal);
            Assert.Equal("two", await client.GetStringAsync(new Uri("/s/x", UriKind.Relative)));

            string output = gateway.Output;
            Assert.DoesNotContain("serving", output, StringComparison.Ordinal);
            Assert.DoesNotContain("admin API on", output, StringComparison.Ordinal);
            Assert.DoesNotContain("reloaded", output, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task LoggingEnvironmentVariable_OverridesTheConfiguredLevel()
    {
        string path = WriteConfig(MockConfig("one", """ "logging": { "level": "Error" }, """));
        try
        {
            await using var gateway = GatewayProcess.Start(["--config", path, "--server:listen:0=http://127.0.0.1:0"],
                new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Information" });

            // The start line is Information: written only because the standard override lowered the level.
            int port = await gateway.WaitForListeningAsync();
            Assert.True(port > 0);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task FormatJson_WritesOneObjectPerLine_WithTheStartLineAndAnUpstreamFailure()
    {
        int dead = FreePort();
        string path = WriteConfig($$"""
            { "logging": { "format": "json" },
              "clusters": [ { "name": "gone", "destinations": ["127.0.0.1:{{dead}}"] } ],
              "apis": [ { "name": "a", "stages": [ { "name": "s" } ],
                "routes": [ { "key": "GET /x", "integration": { "type": "http", "cluster": "gone" } } ] } ] }
            """);
        try
        {
            await using var gateway = GatewayProcess.Start(["--config", path, "--server:listen:0=http://127.0.0.1:0"]);
            int port = await gateway.WaitForListeningAsync();
            using var client = new HttpClient();
            var failure = gateway.WaitForLineAsync(l => l.Contains("edgegw: upstream gone", StringComparison.Ordinal), Timeout);
            using (var response = await client.GetAsync(new Uri($"http://127.0.0.1:{port}/s/x")))
            {
                Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            }

            using var warning = JsonDocument.Parse(await failure);
            Assert.Equal("Warning", warning.RootElement.GetProperty("LogLevel").GetString());
            Assert.Equal("EdgeGw.Upstream", warning.RootElement.GetProperty("Category").GetString());
            Assert.Equal($"edgegw: upstream gone destination 127.0.0.1:{dead}: connect failed (refused or unreachable); answered 502",
                warning.RootElement.GetProperty("Message").GetString());
            Assert.Equal("gone", warning.RootElement.GetProperty("State").GetProperty("Cluster").GetString());

            gateway.SendSigterm();
            Assert.Equal(0, await gateway.WaitForExitAsync(Timeout));
            var lines = gateway.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.NotEmpty(lines);
            var messages = new List<string>();
            foreach (var line in lines)
            {
                using var entry = JsonDocument.Parse(line);
                Assert.Equal(JsonValueKind.Object, entry.RootElement.ValueKind);
                Assert.True(entry.RootElement.TryGetProperty("Timestamp", out _));
                messages.Add(entry.RootElement.GetProperty("Message").GetString()!);
            }

            Assert.Contains(messages, m => m.StartsWith("edgegw: serving ", StringComparison.Ordinal));
            Assert.Contains(messages, m => m.StartsWith("edgegw: draining", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string MockConfig(string body, string extra = "") => $$"""
        { {{extra}} "apis": [ { "name": "a", "stages": [ { "name": "s" } ],
          "routes": [ { "key": "GET /x", "integration": { "type": "mock", "body": "{{body}}" } } ] } ] }
        """;

    private static string WriteConfig(string content)
    {
        string path = Path.Combine(Path.GetTempPath(), $"edgegw-test-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, content);
        return path;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
