using EdgeGw.Core.Configuration;
using EdgeGw.Core.Tests.Configuration;
using EdgeGw.Core.Tracing;

namespace EdgeGw.Core.Tests.Tracing;

public sealed class TracingSectionTests
{
    private const string Apis = """
        "clusters": [ { "name": "up", "destinations": [ "127.0.0.1:9" ] } ],
        "apis": [ { "name": "a", "stages": [ { "name": "$default" } ],
          "routes": [ { "key": "GET /x", "integration": { "type": "http", "cluster": "up" } } ] } ]
        """;

    private static ConfigLoadResult Load(string tracing) => GatewayConfigLoader.Load(SectionFixture.Json("{" + tracing + Apis + "}"));

    [Fact]
    public void Absent_TracingIsOff()
    {
        Assert.Null(Load("").Model!.Tracing);
    }

    [Fact]
    public void EnabledFalse_TracingIsOff()
    {
        Assert.Null(Load("""  "tracing": { "enabled": false, "sampleRatio": 1 }, """).Model!.Tracing);
    }

    [Fact]
    public void EnabledAlone_TakesTheDefaults()
    {
        var tracing = Load("""  "tracing": { "enabled": true }, """).Model!.Tracing!;

        Assert.Equal(0.05, tracing.SampleRatio);
        Assert.Equal(new Uri("http://127.0.0.1:4318/v1/traces"), tracing.OtlpEndpoint);
        Assert.Equal("edgegw", tracing.ServiceName);
        Assert.Equal(2048, tracing.MaxQueueSpans);
        Assert.Equal(512, tracing.MaxBatchSpans);
        Assert.Equal(TimeSpan.FromSeconds(1), tracing.ExportInterval);
        Assert.Equal(TimeSpan.FromSeconds(10), tracing.Timeout);
        Assert.Equal(5, tracing.MaxRetries);
    }

    [Fact]
    public void EveryKey_IsRead()
    {
        var tracing = Load("""
              "tracing": { "enabled": true, "sampleRatio": 0.25, "otlpEndpoint": "https://collector.example:4318/v1/traces",
                "serviceName": "edge-eu", "maxQueueSpans": 100, "maxBatchSpans": 10, "exportIntervalMs": 50, "timeoutMs": 2000, "maxRetries": 2 },
            """).Model!.Tracing!;

        Assert.Equal(0.25, tracing.SampleRatio);
        Assert.Equal(Sampler.Threshold(0.25), tracing.SampleThreshold);
        Assert.Equal("https://collector.example:4318/v1/traces", tracing.OtlpEndpoint.ToString());
        Assert.Equal("edge-eu", tracing.ServiceName);
        Assert.Equal(100, tracing.MaxQueueSpans);
        Assert.Equal(10, tracing.MaxBatchSpans);
        Assert.Equal(TimeSpan.FromMilliseconds(50), tracing.ExportInterval);
        Assert.Equal(TimeSpan.FromSeconds(2), tracing.Timeout);
        Assert.Equal(2, tracing.MaxRetries);
    }

    [Fact]
    public void SmallQueue_WithoutBatchSize_BatchesTheQueue()
    {
        Assert.Equal(8, Load("""  "tracing": { "maxQueueSpans": 8 }, """).Model!.Tracing!.MaxBatchSpans);
    }

    [Fact]
    public void BadValues_AreEveryOneReportedWithItsPath()
    {
        var result = Load("""
              "tracing": { "enabled": "yes", "sampleRatio": 1.5, "otlpEndpoint": "ftp://x/v1/traces", "serviceName": "",
                "maxQueueSpans": 0, "maxBatchSpans": 70000, "exportIntervalMs": 1, "timeoutMs": "soon", "maxRetries": 99, "extra": 1 },
            """);

        Assert.Null(result.Model);
        var paths = result.Errors.Select(e => e.Path).ToHashSet();
        foreach (string key in (string[])["enabled", "sampleRatio", "otlpEndpoint", "serviceName", "maxQueueSpans", "maxBatchSpans", "exportIntervalMs", "timeoutMs", "maxRetries", "extra"])
        {
            Assert.Contains("tracing." + key, paths);
        }
    }

    [Fact]
    public void BatchLargerThanQueue_IsAnError()
    {
        var result = Load("""  "tracing": { "maxQueueSpans": 10, "maxBatchSpans": 20 }, """);

        var error = Assert.Single(result.Errors);
        Assert.Equal("tracing.maxBatchSpans", error.Path);
    }

    [Fact]
    public void SampleRatio_NotANumber_IsAnError()
    {
        var error = Assert.Single(Load("""  "tracing": { "sampleRatio": "half" }, """).Errors);

        Assert.Equal("tracing.sampleRatio", error.Path);
    }
}
