using System.Globalization;
using System.Net;
using System.Net.Http;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using Google.Protobuf;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Trace.V1;

namespace EdgeGw.Server.FunctionalTests.Tracing;

/// <summary>
/// Tracing through the real gateway: W3C Trace Context in, the backend's traceparent out, and what the exporter sends
/// decoded with the official OpenTelemetry protos (Protos/README.md) by a test OTLP receiver.
/// </summary>
public sealed class TracingTests
{
    private const string ClientTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string ClientParentId = "00f067aa0ba902b7";

    /// <summary>API "t" stage "prod": <c>ANY /echo/{proxy+}</c> on <paramref name="upstream"/>, <c>GET /mock</c>; tracing to <paramref name="endpoint"/>.</summary>
    private static string Config(string upstream, string endpoint, string tracing = "\"sampleRatio\": 1") => $$"""
        {
          "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 2 },
          "tracing": { "otlpEndpoint": "{{endpoint}}", "serviceName": "edge-test", "exportIntervalMs": 50, {{tracing}} },
          "clusters": [ { "name": "up", "destinations": ["{{upstream}}"] } ],
          "apis": [
            { "name": "t", "stages": [ { "name": "prod" } ],
              "routes": [
                { "key": "ANY /echo/{proxy+}", "integration": { "type": "http", "cluster": "up" } },
                { "key": "GET /mock", "integration": { "type": "mock", "status": 200, "body": "hi" } }
              ] }
          ]
        }
        """;

    /// <summary>One connection, so a request's spans are queued before the next request is read.</summary>
    private static HttpClient OneConnection(TestGateway gateway) =>
        new(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 1 }) { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(20) };

    private static async Task<HttpResponseMessage> GetAsync(HttpClient client, string path, string? traceparent = null, string? tracestate = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (traceparent is not null)
        {
            request.Headers.TryAddWithoutValidation("traceparent", traceparent);
        }

        if (tracestate is not null)
        {
            request.Headers.TryAddWithoutValidation("tracestate", tracestate);
        }

        return await client.SendAsync(request);
    }

    private static string Hex(ByteString bytes) => Convert.ToHexStringLower(bytes.ToByteArray());

    private static AnyValue Attribute(Span span, string key) => span.Attributes.Single(a => a.Key == key).Value;

    private static bool HasTrace(IReadOnlyList<Span> spans, string traceId, int count) => spans.Count(s => Hex(s.TraceId) == traceId) >= count;

    /// <summary>The traceparent the backend got with its request number <paramref name="index"/>.</summary>
    private static string BackendTraceparent(UpstreamServer upstream, int index) => upstream.Requests.ElementAt(index).Header("traceparent")!;

    [Fact]
    public async Task SampledParent_GatewayAndIntegrationSpans_ChainFromTheClient_ToTheBackend()
    {
        await using var receiver = OtlpReceiver.Start();
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, receiver.Endpoint, "\"sampleRatio\": 0"));
        using var client = OneConnection(gateway);
        long before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;

        using var response = await GetAsync(client, "/prod/echo/items/7", $"00-{ClientTraceId}-{ClientParentId}-01", "rojo=00f067aa0ba902b7, congo=t61rcWkgMzE");
        var spans = await receiver.WaitForSpansAsync(s => HasTrace(s, ClientTraceId, 2));
        long after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000 + 1_000_000;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var server = Assert.Single(spans, s => s.Kind == Span.Types.SpanKind.Server);
        var integration = Assert.Single(spans, s => s.Kind == Span.Types.SpanKind.Client);
        // Ids: client → gateway span → integration span → backend.
        Assert.Equal(ClientTraceId, Hex(server.TraceId));
        Assert.Equal(ClientTraceId, Hex(integration.TraceId));
        Assert.Equal(ClientParentId, Hex(server.ParentSpanId));
        Assert.Equal(Hex(server.SpanId), Hex(integration.ParentSpanId));
        Assert.Equal(8, server.SpanId.Length);
        Assert.NotEqual(Hex(server.SpanId), Hex(integration.SpanId));
        Assert.Equal($"00-{ClientTraceId}-{Hex(integration.SpanId)}-01", BackendTraceparent(upstream, 0));
        Assert.Equal("rojo=00f067aa0ba902b7, congo=t61rcWkgMzE", upstream.Requests.Single().Header("tracestate"));
        Assert.Equal("rojo=00f067aa0ba902b7, congo=t61rcWkgMzE", server.TraceState);
        // The gateway span's parent is remote (flags bits 8 and 9), the integration span's local; both sampled.
        Assert.Equal(0x301u, server.Flags);
        Assert.Equal(0x101u, integration.Flags);

        Assert.Equal("ANY /echo/{proxy+}", server.Name);
        Assert.Equal("GET", Attribute(server, "http.request.method").StringValue);
        Assert.Equal("/prod/echo/items/7", Attribute(server, "url.path").StringValue);
        Assert.Equal("127.0.0.1", Attribute(server, "client.address").StringValue);
        Assert.Equal(200, Attribute(server, "http.response.status_code").IntValue);
        Assert.Equal("ANY /echo/{proxy+}", Attribute(server, "edgegw.route_key").StringValue);
        Assert.Equal("t", Attribute(server, "edgegw.api").StringValue);
        Assert.Equal("prod", Attribute(server, "edgegw.stage").StringValue);
        Assert.Equal(Status.Types.StatusCode.Unset, server.Status?.Code ?? Status.Types.StatusCode.Unset);
        Assert.Equal("127.0.0.1", Attribute(integration, "server.address").StringValue);
        Assert.Equal(upstream.Port, Attribute(integration, "server.port").IntValue);
        Assert.Equal(upstream.Authority, Attribute(integration, "edgegw.upstream").StringValue);
        Assert.Equal(200, Attribute(integration, "http.response.status_code").IntValue);

        // Times: the integration inside the gateway span, all within the test's own clock readings.
        Assert.InRange((long)server.StartTimeUnixNano, before - 50_000_000, after);
        Assert.True(server.StartTimeUnixNano <= integration.StartTimeUnixNano, $"{server.StartTimeUnixNano} > {integration.StartTimeUnixNano}");
        Assert.True(integration.StartTimeUnixNano <= integration.EndTimeUnixNano);
        Assert.True(integration.EndTimeUnixNano <= server.EndTimeUnixNano, $"{integration.EndTimeUnixNano} > {server.EndTimeUnixNano}");
        Assert.InRange((long)server.EndTimeUnixNano, before, after + 50_000_000);

        // The export request itself: OTLP/HTTP protobuf to the configured path, service and scope named.
        var post = Assert.Single(receiver.Posts);
        Assert.Equal("/v1/traces", post.Path);
        Assert.Equal("application/x-protobuf", post.ContentType);
        var resource = Assert.Single(Assert.Single(receiver.Accepted).ResourceSpans);
        Assert.Equal("edge-test", resource.Resource.Attributes.Single(a => a.Key == "service.name").Value.StringValue);
        Assert.Equal("edgegw", Assert.Single(resource.ScopeSpans).Scope.Name);
    }

    [Fact]
    public async Task ParentNotSampled_ForwardsItsTrace_WithFlag0_AndExportsNothing()
    {
        await using var receiver = OtlpReceiver.Start();
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, receiver.Endpoint));
        using var client = OneConnection(gateway);
        const string marker = "0af7651916cd43dd8448eb211c80319c";

        using var unsampled = await GetAsync(client, "/prod/echo/a", $"00-{ClientTraceId}-{ClientParentId}-00");
        using var sampled = await GetAsync(client, "/prod/echo/b", $"00-{marker}-b7ad6b7169203331-01");
        var spans = await receiver.WaitForSpansAsync(s => HasTrace(s, marker, 2));

        var forwarded = BackendTraceparent(upstream, 0);
        Assert.StartsWith($"00-{ClientTraceId}-", forwarded);
        Assert.EndsWith("-00", forwarded);
        Assert.NotEqual(ClientParentId, forwarded.Split('-')[2]); // the gateway's integration span, not the client's
        Assert.All(spans, s => Assert.Equal(marker, Hex(s.TraceId)));
        Assert.True(await Eventually.TrueAsync(() => gateway.Runtime.Tracing.ExportedTotal == 2)); // counted once the receiver answered
        Assert.Equal(2, gateway.Runtime.Tracing.ExportedTotal);
    }

    [Fact]
    public async Task Ratio0_NewTraces_AreNotSampled_ButStillForwarded()
    {
        await using var receiver = OtlpReceiver.Start();
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, receiver.Endpoint, "\"sampleRatio\": 0"));
        using var client = OneConnection(gateway);
        const string marker = "0af7651916cd43dd8448eb211c80319c";

        for (int i = 0; i < 5; i++)
        {
            using var response = await GetAsync(client, "/prod/echo/new");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var sampled = await GetAsync(client, "/prod/mock", $"00-{marker}-b7ad6b7169203331-01");
        var spans = await receiver.WaitForSpansAsync(s => HasTrace(s, marker, 1));

        var traceIds = new HashSet<string>();
        for (int i = 0; i < 5; i++)
        {
            var forwarded = BackendTraceparent(upstream, i);
            Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-00$", forwarded);
            traceIds.Add(forwarded.Split('-')[1]);
        }

        Assert.Equal(5, traceIds.Count); // a new trace per request
        var only = Assert.Single(spans); // the mock's gateway span; no integration span without an upstream
        Assert.Equal(marker, Hex(only.TraceId));
        Assert.Equal("GET /mock", only.Name);
    }

    [Theory]
    [InlineData("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01")]
    [InlineData("00-00000000000000000000000000000000-00f067aa0ba902b7-01")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01")]
    [InlineData("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra")]
    [InlineData("garbage")]
    public async Task MalformedTraceparent_StartsANewTrace_AndDropsTracestate(string traceparent)
    {
        await using var receiver = OtlpReceiver.Start();
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, receiver.Endpoint));
        using var client = OneConnection(gateway);

        using var response = await GetAsync(client, "/prod/echo/x", traceparent, "rojo=1");
        var forwarded = BackendTraceparent(upstream, 0);
        string traceId = forwarded.Split('-')[1];
        var spans = await receiver.WaitForSpansAsync(s => HasTrace(s, traceId, 2));

        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-01$", forwarded);
        Assert.NotEqual(ClientTraceId, traceId);
        Assert.Null(upstream.Requests.Single().Header("tracestate"));
        var server = Assert.Single(spans, s => s.Kind == Span.Types.SpanKind.Server);
        Assert.True(server.ParentSpanId.IsEmpty);
        Assert.Equal(0x101u, server.Flags);
        Assert.Equal(string.Empty, server.TraceState);
        Assert.Equal(Hex(spans.Single(s => s.Kind == Span.Types.SpanKind.Client).SpanId), forwarded.Split('-')[2]);
    }

    [Fact]
    public async Task TracingOff_TheClientsHeaders_PassThroughUntouched()
    {
        await using var upstream = Upstreams.Echo();
        string config = Config(upstream.Authority, "http://127.0.0.1:1/v1/traces").Replace("\"otlpEndpoint\"", "\"enabled\": false, \"otlpEndpoint\"", StringComparison.Ordinal);
        await using var gateway = await TestGateway.StartAsync(config);
        using var client = OneConnection(gateway);

        using var response = await GetAsync(client, "/prod/echo/x", "garbage", "Not A Valid=list");

        Assert.Equal("garbage", upstream.Requests.Single().Header("traceparent"));
        Assert.Equal("Not A Valid=list", upstream.Requests.Single().Header("tracestate"));
    }

    [Fact]
    public async Task Reload_TurnsTracingOnAndOff_ForTheNextRequest()
    {
        await using var receiver = OtlpReceiver.Start();
        await using var upstream = Upstreams.Echo();
        string on = Config(upstream.Authority, receiver.Endpoint);
        string off = on.Replace("\"otlpEndpoint\"", "\"enabled\": false, \"otlpEndpoint\"", StringComparison.Ordinal);
        await using var gateway = await TestGateway.StartAsync(off);
        using var client = OneConnection(gateway);
        string traceparent = $"00-{ClientTraceId}-{ClientParentId}-01";

        using (await GetAsync(client, "/prod/echo/1", traceparent))
        {
        }

        gateway.Runtime.Swap(TestGateway.BuildModel(on));
        using (await GetAsync(client, "/prod/echo/2", traceparent))
        {
        }

        await receiver.WaitForSpansAsync(s => HasTrace(s, ClientTraceId, 2));
        gateway.Runtime.Swap(TestGateway.BuildModel(off));
        using (await GetAsync(client, "/prod/echo/3", traceparent))
        {
        }

        Assert.Equal(traceparent, BackendTraceparent(upstream, 0));
        Assert.NotEqual(traceparent, BackendTraceparent(upstream, 1));
        Assert.StartsWith($"00-{ClientTraceId}-", BackendTraceparent(upstream, 1));
        Assert.Equal(traceparent, BackendTraceparent(upstream, 2));
    }

    [Fact]
    public async Task AccessLog_TraceId_IsTheTraceTheBackendJoined()
    {
        string directory = Directory.CreateTempSubdirectory("edgegw-trace-log-").FullName;
        try
        {
            string log = Path.Combine(directory, "access.log");
            await using var upstream = Upstreams.Echo();
            string accessLog = "\"accessLog\": { \"destination\": " + System.Text.Json.JsonSerializer.Serialize(log) + ", \"format\": \"$context.requestId $context.traceId\" }, ";
            string config = Config(upstream.Authority, "http://127.0.0.1:1/v1/traces", "\"sampleRatio\": 0").Replace("\"clusters\"", accessLog + "\"clusters\"", StringComparison.Ordinal);
            await using var gateway = await TestGateway.StartAsync(config);
            using var client = OneConnection(gateway);

            using var response = await GetAsync(client, "/prod/echo/x");
            string requestId = string.Join(",", response.Headers.GetValues("X-Request-Id"));
            string line = "";
            Assert.True(await Eventually.TrueAsync(() => File.Exists(log) && (line = File.ReadAllText(log).Trim()).Length > 0));

            Assert.Equal($"{requestId} {BackendTraceparent(upstream, 0).Split('-')[1]}", line);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task StalledReceiver_SmallQueue_DropsAndCountsSpans()
    {
        await using var receiver = OtlpReceiver.Stalled();
        await using var gateway = await TestGateway.StartAsync(Config("127.0.0.1:9", receiver.Endpoint, "\"sampleRatio\": 1, \"maxQueueSpans\": 2, \"maxBatchSpans\": 2, \"timeoutMs\": 600000"));
        using var client = OneConnection(gateway);

        for (int i = 0; i < 10; i++)
        {
            using var response = await GetAsync(client, "/prod/mock");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // One batch (2 spans) at most is in flight to the receiver that never answers, and 2 more fit the queue.
        var exporter = gateway.Runtime.Tracing;
        Assert.True(await Eventually.TrueAsync(() => exporter.DroppedQueueFullTotal + exporter.Queued + (2 * receiver.Posts.Length) >= 10), $"dropped {exporter.DroppedQueueFullTotal}, queued {exporter.Queued}");
        Assert.True(exporter.DroppedQueueFullTotal >= 6, $"dropped {exporter.DroppedQueueFullTotal}");
        Assert.Equal(0, exporter.ExportedTotal);
        using var admin = gateway.CreateAdminClient();
        string metrics = await admin.GetStringAsync("/metrics");
        var line = metrics.Split('\n').Single(l => l.StartsWith("edgegw_trace_spans_dropped_total{reason=\"queue_full\"}", StringComparison.Ordinal));
        Assert.True(long.Parse(line.Split(' ')[1], CultureInfo.InvariantCulture) >= 6, line);
        Assert.Contains("edgegw_trace_spans_exported_total 0", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Receiver503_TheBatchIsRetried_AndExported()
    {
        await using var receiver = OtlpReceiver.Start(503);
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, receiver.Endpoint));
        using var client = OneConnection(gateway);

        using var response = await GetAsync(client, "/prod/echo/retry", $"00-{ClientTraceId}-{ClientParentId}-01");
        await receiver.WaitForSpansAsync(s => HasTrace(s, ClientTraceId, 2));

        var posts = receiver.Posts;
        Assert.Equal([503, 200], posts.Select(p => p.Status));
        Assert.Equal(posts[0].Body, posts[1].Body); // the same batch again
        Assert.True(await Eventually.TrueAsync(() => gateway.Runtime.Tracing.ExportedTotal == 2));
        Assert.Equal(1, gateway.Runtime.Tracing.RetriesTotal);
        Assert.Equal(0, gateway.Runtime.Tracing.DroppedExportFailedTotal);
    }

    [Fact]
    public async Task Receiver400_TheBatchIsDropped_NotRetried_AndLogged()
    {
        await using var receiver = OtlpReceiver.Start(400);
        await using var upstream = Upstreams.Echo();
        var logs = new LogCapture();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, receiver.Endpoint), logs: logs);
        using var client = OneConnection(gateway);

        using var response = await GetAsync(client, "/prod/echo/bad", $"00-{ClientTraceId}-{ClientParentId}-01");
        var exporter = gateway.Runtime.Tracing;
        Assert.True(await Eventually.TrueAsync(() => exporter.DroppedExportFailedTotal == 2));

        Assert.Equal([400], receiver.Posts.Select(p => p.Status));
        Assert.Equal(0, exporter.RetriesTotal);
        Assert.Equal(0, exporter.ExportedTotal);
        Assert.True(await Eventually.TrueAsync(() => logs.Lines.Any(l => l.Category == "EdgeGw.Tracing")));
        var line = logs.Lines.Single(l => l.Category == "EdgeGw.Tracing");
        Assert.Contains("HTTP 400", line.Message, StringComparison.Ordinal);
        Assert.Contains("2 spans dropped", line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFullBatch_IsSentAtOnce_WithoutWaitingForTheInterval()
    {
        await using var receiver = OtlpReceiver.Start();
        await using var upstream = Upstreams.Echo();
        // The interval is 10 minutes: only a full batch (4 spans) can wake the exporter within the test's 20 s.
        string config = Config(upstream.Authority, receiver.Endpoint, "\"sampleRatio\": 1, \"maxBatchSpans\": 4")
            .Replace("\"exportIntervalMs\": 50", "\"exportIntervalMs\": 600000", StringComparison.Ordinal);
        await using var gateway = await TestGateway.StartAsync(config);
        using var client = OneConnection(gateway);

        for (int i = 0; i < 4; i++)
        {
            using var response = await GetAsync(client, "/prod/mock");
        }

        await receiver.WaitForSpansAsync(s => s.Count >= 4);
        for (int i = 0; i < 2; i++)
        {
            using var response = await GetAsync(client, "/prod/echo/" + i);
        }

        var spans = await receiver.WaitForSpansAsync(s => s.Count >= 8);

        Assert.Equal(8, spans.Length);
        var batches = receiver.Accepted.Select(r => r.ResourceSpans.Sum(rs => rs.ScopeSpans.Sum(ss => ss.Spans.Count))).ToArray();
        Assert.Equal([4, 4], batches);
        Assert.Equal(4, spans.Count(s => s.Kind == Span.Types.SpanKind.Server && s.Name == "GET /mock"));
        Assert.Equal(2, spans.Count(s => s.Kind == Span.Types.SpanKind.Client));
    }
}
