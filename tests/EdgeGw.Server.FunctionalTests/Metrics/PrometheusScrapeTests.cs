using System.Net.Http;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Metrics;

/// <summary>A real Prometheus (Debian's package) scrapes the admin API on loopback; its query API must see our counts.</summary>
public sealed class PrometheusScrapeTests
{
    [PrometheusFact]
    public async Task Prometheus_ScrapesTheAdminApi_AndSeesTheRequestsSent()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        using var client = gateway.CreateClient();
        const int sent = 7;
        for (int i = 0; i < sent; i++)
        {
            using var response = await client.GetAsync("/prod/mock");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        string dir = Directory.CreateTempSubdirectory("edgegw-prometheus-").FullName;
        int port = FreePort();
        string config = Path.Combine(dir, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: edgegw
                metrics_path: /metrics
                static_configs:
                  - targets: ["127.0.0.1:{gateway.AdminPort}"]
            """);
        var start = new ProcessStartInfo(PrometheusTools.Prometheus!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(dir, "data")}", $"--web.listen-address=127.0.0.1:{port}" })
        {
            start.ArgumentList.Add(argument);
        }

        using var prometheus = Process.Start(start)!;
        var log = new System.Text.StringBuilder();
        prometheus.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        prometheus.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        prometheus.BeginErrorReadLine();
        prometheus.BeginOutputReadLine();
        try
        {
            using var api = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(5) };
            string query = Uri.EscapeDataString("edgegw_requests_total{api=\"t\",stage=\"prod\",route=\"GET /mock\",status_class=\"2xx\"}");
            string? value = null;
            // Prometheus starts, scrapes every second: poll its query API until the series is there, within a deadline.
            bool seen = await Eventually.TrueAsync(async () =>
            {
                if (prometheus.HasExited)
                {
                    return true;
                }

                try
                {
                    using var answer = JsonDocument.Parse(await api.GetStringAsync($"/api/v1/query?query={query}"));
                    var result = answer.RootElement.GetProperty("data").GetProperty("result");
                    value = result.GetArrayLength() == 1 ? result[0].GetProperty("value")[1].GetString() : null;
                    return value is not null;
                }
                catch (HttpRequestException)
                {
                    return false; // not listening yet
                }
            }, TimeSpan.FromSeconds(60));

            Assert.False(prometheus.HasExited, $"prometheus exited:\n{log}");
            Assert.True(seen, $"prometheus never had the series:\n{log}");
            Assert.Equal(sent.ToString(System.Globalization.CultureInfo.InvariantCulture), value);
        }
        finally
        {
            if (!prometheus.HasExited)
            {
                prometheus.Kill();
                await prometheus.WaitForExitAsync();
            }

            Directory.Delete(dir, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
