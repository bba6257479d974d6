using System.Collections.Concurrent;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using EdgeGw.Core.Tracing;
using EdgeGw.Server.Logging;
using Microsoft.Extensions.Logging;

namespace EdgeGw.Server.Tracing;

/// <summary>
/// The background OTLP/HTTP exporter: sampled requests' spans wait in a bounded lock-free queue (a full queue drops
/// and counts, never blocks a request), and one task sends them in batches of <c>maxBatchSpans</c> (at once when a
/// batch is full, else every <c>exportIntervalMs</c>) as <c>application/x-protobuf</c>, retrying a batch on 429, 502,
/// 503, 504 or no connection with exponential backoff (and a bounded <c>Retry-After</c>) up to <c>maxRetries</c>
/// times. Settings are rebound on every reload; the task starts with the first config that traces.
/// </summary>
public sealed class SpanExporter : IDisposable
{
    /// <summary>The first retry's delay; each retry doubles it (with up to 25 % jitter) to <see cref="MaxBackoff"/>.</summary>
    private static readonly TimeSpan InitialBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    /// <summary>At most one failure line per interval (a collector down for an hour is one line a minute, not thousands).</summary>
    private static readonly TimeSpan LogInterval = TimeSpan.FromMinutes(1);

    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly ConcurrentQueue<SpanData> _queue = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ProtoWriter _writer = new();
    private readonly List<SpanData> _batch = [];
    private readonly object _startLock = new();
    private volatile TracingSettings? _settings;
    private HttpClient? _http;
    private Task? _loop;
    private int _queuedSpans;
    private int _signalled;
    private long _exported;
    private long _droppedQueueFull;
    private long _droppedExportFailed;
    private long _retries;
    private long _lastLogTimestamp;
    private int _suppressedLines;
    private string _failure = "";

    public SpanExporter(ILogger logger, TimeProvider time)
    {
        _logger = logger;
        _time = time;
    }

    /// <summary><c>edgegw_trace_spans_exported_total</c>: spans the endpoint accepted.</summary>
    public long ExportedTotal => Interlocked.Read(ref _exported);
    /// <summary><c>edgegw_trace_spans_dropped_total{reason="queue_full"}</c>: the queue held <c>maxQueueSpans</c> already.</summary>
    public long DroppedQueueFullTotal => Interlocked.Read(ref _droppedQueueFull);
    /// <summary><c>edgegw_trace_spans_dropped_total{reason="export_failed"}</c>: refused, or still failing after the retries.</summary>
    public long DroppedExportFailedTotal => Interlocked.Read(ref _droppedExportFailed);
    /// <summary><c>edgegw_trace_export_retries_total</c>.</summary>
    public long RetriesTotal => Interlocked.Read(ref _retries);
    /// <summary>Spans waiting (<c>edgegw_trace_spans_queued</c>).</summary>
    public int Queued => Volatile.Read(ref _queuedSpans);

    /// <summary>The settings of a new snapshot (null: tracing off; what is queued is still sent with the last ones).</summary>
    public void Bind(TracingSettings? settings)
    {
        if (settings is null)
        {
            return;
        }

        _settings = settings;
        if (_loop is null)
        {
            lock (_startLock)
            {
                if (_loop is null && !_stop.IsCancellationRequested)
                {
                    // No proxy from the environment: the collector is the operator's endpoint, as written.
                    _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
                    {
                        Timeout = Timeout.InfiniteTimeSpan,
                    };
                    _loop = Task.Factory.StartNew(RunAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
                }
            }
        }
    }

    /// <summary>A sampled request's spans, from the request path: queued, or dropped and counted when the queue is full.</summary>
    public void Enqueue(SpanData data)
    {
        var settings = _settings;
        if (settings is null)
        {
            return;
        }

        int spans = data.SpanCount;
        int queued = Interlocked.Add(ref _queuedSpans, spans);
        if (queued > settings.MaxQueueSpans)
        {
            Interlocked.Add(ref _queuedSpans, -spans);
            Interlocked.Add(ref _droppedQueueFull, spans);
            return;
        }

        _queue.Enqueue(data);
        // A full batch wakes the exporter (once, until it has drained); otherwise the interval does.
        if (queued >= settings.MaxBatchSpans && Interlocked.Exchange(ref _signalled, 1) == 0)
        {
            _signal.Release();
        }
    }

    private async Task RunAsync()
    {
        var token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await _signal.WaitAsync(_settings!.ExportInterval, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            Volatile.Write(ref _signalled, 0);
            try
            {
                await DrainAsync(retry: true, token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Whatever went wrong with one batch must not end the exporter (the batch is counted as failed).
                _failure = e.Message;
                LogFailure(_settings!, 0);
            }
        }

        // Stopping: what is queued gets one attempt each, without retries.
        using var final = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await DrainAsync(retry: false, final.Token).ConfigureAwait(false);
    }

    /// <summary>Sends batches while the queue holds spans; stops after a partial batch (the rest waits for the next wake).</summary>
    private async Task DrainAsync(bool retry, CancellationToken token)
    {
        while (!token.IsCancellationRequested && !_queue.IsEmpty)
        {
            var settings = _settings!;
            int spans = 0;
            _batch.Clear();
            // One consumer: a peeked item is the one dequeued. A request's two spans stay in one batch.
            while (_queue.TryPeek(out var next) && (spans == 0 || spans + next.SpanCount <= settings.MaxBatchSpans) && _queue.TryDequeue(out var data))
            {
                _batch.Add(data);
                spans += data.SpanCount;
            }

            Interlocked.Add(ref _queuedSpans, -spans);
            if (spans == 0)
            {
                return;
            }

            OtlpEncoder.Encode(_writer, settings.ServiceName, _batch);
            bool sent = await SendAsync(settings, retry ? settings.MaxRetries : 0, token).ConfigureAwait(false);
            Interlocked.Add(ref sent ? ref _exported : ref _droppedExportFailed, spans);
            if (!sent)
            {
                LogFailure(settings, spans);
            }

            _batch.Clear();
            if (spans + 1 < settings.MaxBatchSpans)
            {
                return;
            }
        }
    }

    private async Task<bool> SendAsync(TracingSettings settings, int retries, CancellationToken token)
    {
        for (int attempt = 0; ; attempt++)
        {
            TimeSpan? retryAfter = null;
            using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(token))
            {
                timeout.CancelAfter(settings.Timeout);
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, settings.OtlpEndpoint) { Content = new ReadOnlyMemoryContent(_writer.Written) };
                    request.Content.Headers.ContentType = ProtobufType;
                    using var response = await _http!.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode)
                    {
                        return true;
                    }

                    _failure = $"HTTP {(int)response.StatusCode}";
                    if (response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout))
                    {
                        return false; // refused for good (400: the batch is bad; it would be again)
                    }

                    retryAfter = response.Headers.RetryAfter?.Delta;
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
                {
                    _failure = e is OperationCanceledException ? "timed out" : e.Message;
                    if (token.IsCancellationRequested)
                    {
                        return false;
                    }

                    // No connection, reset or timed out: retryable.
                }
            }

            if (attempt >= retries)
            {
                return false;
            }

            Interlocked.Increment(ref _retries);
            var backoff = Backoff(attempt);
            if (retryAfter is { } asked && asked > backoff)
            {
                backoff = asked < MaxBackoff ? asked : MaxBackoff;
            }

            try
            {
                await Task.Delay(backoff, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    private void LogFailure(TracingSettings settings, int spans)
    {
        long now = _time.GetTimestamp();
        if (_lastLogTimestamp != 0 && _time.GetElapsedTime(_lastLogTimestamp, now) < LogInterval)
        {
            _suppressedLines++;
            return;
        }

        GatewayLog.TraceExportFailed(_logger, settings.OtlpEndpoint, _failure, spans, _suppressedLines);
        _lastLogTimestamp = now;
        _suppressedLines = 0;
    }

    private static readonly MediaTypeHeaderValue ProtobufType = new("application/x-protobuf");

    /// <summary>The delay before retry <paramref name="attempt"/> + 1: doubling from <see cref="InitialBackoff"/>, plus up to 25 % jitter.</summary>
    internal static TimeSpan Backoff(int attempt)
    {
        double ms = Math.Min(InitialBackoff.TotalMilliseconds * Math.Pow(2, attempt), MaxBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ms * (1 + (Random.Shared.NextDouble() / 4)));
    }

    public void Dispose()
    {
        lock (_startLock)
        {
            _stop.Cancel();
        }

        try
        {
            _loop?.Wait(TimeSpan.FromSeconds(3));
        }
        catch (AggregateException)
        {
        }

        _http?.Dispose();
        _signal.Dispose();
        _stop.Dispose();
    }
}
