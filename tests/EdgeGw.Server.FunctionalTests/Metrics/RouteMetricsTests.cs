using System.Net.Http;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Metrics;

/// <summary>Per-route counters and histograms on /metrics, in Prometheus text and OpenMetrics, checked by promtool.</summary>
public sealed class RouteMetricsTests
{
    private const string Echo = "api=\"t\",stage=\"prod\",route=\"ANY /echo/{proxy+}\"";
    private const string Mock = "api=\"t\",stage=\"prod\",route=\"GET /mock\"";
    private const string Unrouted = "api=\"\",stage=\"\",route=\"\"";

    /// <summary>The value of the sample named exactly <paramref name="series"/> (name and labels); throws when absent.</summary>
    public static double Sample(string metrics, string series)
    {
        foreach (string line in metrics.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal))
            {
                return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
            }
        }

        throw new InvalidDataException($"no {series} in /metrics:\n{metrics}");
    }

    [Fact]
    public async Task Requests_AreCountedPerRoute_ByStatusClass_WithHistograms()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        using var client = gateway.CreateClient();
        using var admin = gateway.CreateAdminClient();

        for (int i = 0; i < 3; i++)
        {
            using var response = await client.GetAsync($"/prod/echo/{i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        for (int i = 0; i < 2; i++)
        {
            using var response = await client.GetAsync("/prod/mock");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using (var missing = await client.GetAsync("/prod/nowhere"))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        // The record step runs after the response is flushed: the last request may be counted a moment later.
        string metrics = "";
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            metrics = await admin.GetStringAsync("/metrics");
            return metrics.Contains($"edgegw_requests_total{{{Unrouted},status_class=\"4xx\"}} 1\n", StringComparison.Ordinal);
        }), "the 404 was never counted");

        Assert.Equal(3, Sample(metrics, $"edgegw_requests_total{{{Echo},status_class=\"2xx\"}}"));
        Assert.Equal(0, Sample(metrics, $"edgegw_requests_total{{{Echo},status_class=\"5xx\"}}"));
        Assert.Equal(2, Sample(metrics, $"edgegw_requests_total{{{Mock},status_class=\"2xx\"}}"));
        Assert.Equal(3, Sample(metrics, $"edgegw_request_duration_seconds_count{{{Echo}}}"));
        Assert.Equal(3, Sample(metrics, $"edgegw_request_duration_seconds_bucket{{{Echo},le=\"+Inf\"}}"));
        Assert.Equal(3, Sample(metrics, $"edgegw_integration_duration_seconds_count{{{Echo}}}"));
        Assert.True(Sample(metrics, $"edgegw_integration_duration_seconds_sum{{{Echo}}}") > 0);
        // Buckets are cumulative: never decreasing up to +Inf.
        double previous = 0;
        foreach (string le in Core.Observability.LatencyBuckets.Labels)
        {
            double bucket = Sample(metrics, $"edgegw_request_duration_seconds_bucket{{{Echo},le=\"{le}\"}}");
            Assert.True(bucket >= previous, $"bucket le={le} is {bucket}, below {previous}");
            previous = bucket;
        }

        Assert.Equal(2, Sample(metrics, $"edgegw_request_duration_seconds_count{{{Mock}}}"));
        Assert.Equal(0, Sample(metrics, $"edgegw_integration_duration_seconds_count{{{Mock}}}"));
        Assert.Equal(6, Sample(metrics, "edgegw_request_heads_total"));
        Assert.Equal(1, Sample(metrics, $"edgegw_upstream_destination_healthy{{cluster=\"up\",destination=\"{upstream.Authority}\"}}"));
        Assert.Equal(0, Sample(metrics, $"edgegw_upstream_destination_connect_errors_total{{cluster=\"up\",destination=\"{upstream.Authority}\"}}"));
    }

    [Fact]
    public async Task Reload_KeepsTheSeriesOfAnUnchangedRoute()
    {
        await using var upstream = Upstreams.Echo();
        string config = GatewayConfigs.Standard(upstream.Authority);
        await using var gateway = await TestGateway.StartAsync(config);
        using var client = gateway.CreateClient();
        using var admin = gateway.CreateAdminClient();

        using (var before = await client.GetAsync("/prod/mock"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        gateway.Runtime.Swap(TestGateway.BuildModel(GatewayConfigs.Standard(upstream.Authority, mockBody: "swapped")));
        using (var after = await client.GetAsync("/prod/mock"))
        {
            Assert.Equal("swapped", await after.Content.ReadAsStringAsync());
        }

        Assert.True(await Eventually.TrueAsync(async () =>
            Sample(await admin.GetStringAsync("/metrics"), $"edgegw_requests_total{{{Mock},status_class=\"2xx\"}}") == 2), "the mock route's count restarted on reload");
    }

    [PromtoolFact]
    public async Task Exposition_PassesPromtoolCheckMetrics()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        using var client = gateway.CreateClient();
        using var admin = gateway.CreateAdminClient();
        using (var response = await client.GetAsync("/prod/echo/x"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var scrape = await admin.GetAsync("/metrics");
        Assert.Equal("text/plain", scrape.Content.Headers.ContentType?.MediaType);
        Assert.Equal("0.0.4", scrape.Content.Headers.ContentType?.Parameters.Single(p => p.Name == "version").Value);
        var (exitCode, output) = await PrometheusTools.CheckMetricsAsync(await scrape.Content.ReadAsStringAsync());
        Assert.True(exitCode == 0, $"promtool check metrics exited {exitCode}:\n{output}");
    }

    [Fact]
    public async Task OpenMetrics_WhenAccepted_NamesFamiliesWithoutTotal_HasUnits_AndEndsWithEof()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        using var client = gateway.CreateClient();
        using var admin = gateway.CreateAdminClient();
        using (var response = await client.GetAsync("/prod/mock"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var request = new HttpRequestMessage(System.Net.Http.HttpMethod.Get, "/metrics");
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("application/openmetrics-text;version=1.0.0;q=0.9"));
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("text/plain;q=0.5"));
        using var scrape = await admin.SendAsync(request);
        string text = await scrape.Content.ReadAsStringAsync();

        Assert.Equal("application/openmetrics-text", scrape.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith("\n# EOF\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE edgegw_requests counter\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("# TYPE edgegw_requests_total", text, StringComparison.Ordinal);
        Assert.Contains("# UNIT edgegw_request_duration_seconds seconds\n", text, StringComparison.Ordinal);
        Assert.Equal(1, Sample(text, $"edgegw_requests_total{{{Mock},status_class=\"2xx\"}}"));
    }
}
