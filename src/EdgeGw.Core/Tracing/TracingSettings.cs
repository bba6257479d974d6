namespace EdgeGw.Core.Tracing;

/// <summary>
/// The compiled <c>tracing</c> section (null on the model when tracing is off): how requests are sampled and where
/// their spans go. Read per request from the snapshot, so a reload changes sampling at once; the exporter reads the
/// endpoint, batch and queue sizes from the settings current when it sends.
/// </summary>
public sealed class TracingSettings
{
    public const double DefaultSampleRatio = 0.05;
    public const string DefaultEndpoint = "http://127.0.0.1:4318/v1/traces";
    public const string DefaultServiceName = "edgegw";
    public const int DefaultMaxQueueSpans = 2048;
    public const int DefaultMaxBatchSpans = 512;
    public const int DefaultExportIntervalMs = 1000;
    public const int DefaultTimeoutMs = 10000;
    public const int DefaultMaxRetries = 5;

    public TracingSettings(double sampleRatio, Uri otlpEndpoint, string serviceName, int maxQueueSpans, int maxBatchSpans,
        TimeSpan exportInterval, TimeSpan timeout, int maxRetries)
    {
        SampleRatio = sampleRatio;
        OtlpEndpoint = otlpEndpoint;
        ServiceName = serviceName;
        MaxQueueSpans = maxQueueSpans;
        MaxBatchSpans = maxBatchSpans;
        ExportInterval = exportInterval;
        Timeout = timeout;
        MaxRetries = maxRetries;
        SampleThreshold = Sampler.Threshold(sampleRatio);
    }

    /// <summary>The share of new traces (no parent) that are sampled, 0 to 1; a parent's sampled flag decides for its children.</summary>
    public double SampleRatio { get; }
    /// <summary><see cref="SampleRatio"/> as the bound <see cref="Sampler.Sample"/> compares a trace id's random bits with.</summary>
    public ulong SampleThreshold { get; }
    /// <summary>OTLP/HTTP traces endpoint (POST application/x-protobuf).</summary>
    public Uri OtlpEndpoint { get; }
    /// <summary>The resource's <c>service.name</c>.</summary>
    public string ServiceName { get; }
    /// <summary>Spans waiting for export at most; more are dropped and counted.</summary>
    public int MaxQueueSpans { get; }
    /// <summary>Spans per export request at most.</summary>
    public int MaxBatchSpans { get; }
    /// <summary>How long a partial batch waits before it is sent.</summary>
    public TimeSpan ExportInterval { get; }
    /// <summary>One export request's timeout.</summary>
    public TimeSpan Timeout { get; }
    /// <summary>Retries of a batch after a retryable failure (429, 502, 503, 504, no connection) before it is dropped.</summary>
    public int MaxRetries { get; }
}
