using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace EdgeGw.Server.FunctionalTests.Upstream;

public sealed partial class UpstreamLogTests
{
    [Fact]
    public async Task DeadUpstream_502_LeavesOneWarningNamingClusterDestinationAndReason()
    {
        int port = Upstreams.RefusedPort();
        var logs = new LogCapture();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard($"127.0.0.1:{port}"), logs: logs);
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync("/prod/echo/x");

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        var line = Assert.Single(UpstreamLines(logs));
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Equal($"edgegw: upstream up destination 127.0.0.1:{port}: connect failed (refused or unreachable); answered 502", line.Message);
    }

    [Fact]
    public async Task DeadUpstream_100Requests_LeaveABoundedNumberOfLines_AndTheNextCountsTheSuppressed()
    {
        int port = Upstreams.RefusedPort();
        var logs = new LogCapture();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard($"127.0.0.1:{port}"), logs: logs);
        using var client = gateway.CreateClient();

        var watch = Stopwatch.StartNew();
        for (int i = 0; i < 100; i++)
        {
            using var response = await client.GetAsync("/prod/echo/x");
            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        }

        watch.Stop();
        // At most one line per destination and reason per second.
        int bound = 1 + (int)watch.Elapsed.TotalSeconds;
        Assert.InRange(UpstreamLines(logs).Count, 1, bound);

        // The first failure after the second is up is logged with how many were held back.
        await Task.Delay(TimeSpan.FromMilliseconds(1100));
        using (var after = await client.GetAsync("/prod/echo/x"))
        {
            Assert.Equal(HttpStatusCode.BadGateway, after.StatusCode);
        }

        var lines = UpstreamLines(logs);
        Assert.InRange(lines.Count, 2, bound + 1);
        int suppressed = lines.Sum(l => SuppressedPattern().Match(l.Message) is { Success: true } m ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0);
        // Every one of the 101 failures is either a line or counted in one.
        Assert.Equal(101, lines.Count + suppressed);
        Assert.Contains("more like it suppressed since the last line", lines[^1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeadUpstream_PassiveEjection_IsLoggedOnce_WithTheReactivationPeriod_NotOnEachExtension()
    {
        int port = Upstreams.RefusedPort();
        var logs = new LogCapture();
        string config = GatewayConfigs.Standard($"127.0.0.1:{port}")
            .Replace("\"maxConnectionsPerDestination\": 64,", "\"maxConnectionsPerDestination\": 64, \"health\": { \"consecutiveFailures\": 2, \"reactivationSeconds\": 600 },", StringComparison.Ordinal);
        await using var gateway = await TestGateway.StartAsync(config, logs: logs);
        using var client = gateway.CreateClient();

        // The only destination: requests still reach it while ejected, and each second failure extends the ejection.
        for (int i = 0; i < 10; i++)
        {
            using var response = await client.GetAsync("/prod/echo/x");
        }

        var ejected = Assert.Single(logs.Lines, l => l.EventId.Id == 110);
        Assert.Equal(LogLevel.Warning, ejected.Level);
        Assert.Equal($"edgegw: upstream up destination 127.0.0.1:{port} ejected after consecutive failures; back in 600 s", ejected.Message);
    }

    [Fact]
    public async Task ActiveHealth_DownAndUpAgain_AreLoggedOnceEach()
    {
        int status = 500;
        await using var flaky = UpstreamServer.StartPerRequest((context, request) => context.RespondAsync(Volatile.Read(ref status), "health"));
        var logs = new LogCapture();
        string config = GatewayConfigs.Standard(flaky.Authority)
            .Replace("\"maxConnectionsPerDestination\": 64,", "\"maxConnectionsPerDestination\": 64, \"health\": { \"active\": { \"path\": \"/health\", \"intervalSeconds\": 1, \"timeoutMs\": 5000, \"healthyThreshold\": 1, \"unhealthyThreshold\": 1 } },", StringComparison.Ordinal);
        await using var gateway = await TestGateway.StartAsync(config, logs: logs);

        Assert.True(await Eventually.TrueAsync(() => logs.Lines.Any(l => l.EventId.Id == 111), TimeSpan.FromSeconds(15)), "the failing probes were logged");
        Volatile.Write(ref status, 200);
        Assert.True(await Eventually.TrueAsync(() => logs.Lines.Any(l => l.EventId.Id == 112), TimeSpan.FromSeconds(15)), "the recovery was logged");
        // Probes go on passing: one line per transition, not one per probe (a generous probe timeout, so a busy
        // machine does not fail one). Waits for two more probes: the first of them was handled whole by the time
        // the second reaches the upstream (probes are a second apart).
        await flaky.WaitForRequestsAsync(flaky.RequestsSeen + 2, TimeSpan.FromSeconds(15));

        var down = Assert.Single(logs.Lines, l => l.EventId.Id == 111);
        Assert.Equal(LogLevel.Warning, down.Level);
        Assert.Equal($"edgegw: upstream up destination {flaky.Authority} is down: health probes failing", down.Message);
        var up = Assert.Single(logs.Lines, l => l.EventId.Id == 112);
        Assert.Equal(LogLevel.Information, up.Level);
    }

    /// <summary>The request-path failure lines (not health transitions).</summary>
    private static List<LogCapture.LogLine> UpstreamLines(LogCapture logs) =>
        logs.Lines.Where(l => l.Category == "EdgeGw.Upstream" && l.EventId.Id is 100 or 101).ToList();

    [GeneratedRegex(@"\((\d+) more like it suppressed")]
    private static partial Regex SuppressedPattern();
}
