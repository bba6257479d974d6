using EdgeGw.Server.FunctionalTests.Infrastructure;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Trace.V1;

namespace EdgeGw.Server.FunctionalTests.Tracing;

/// <summary>
/// A test OTLP/HTTP traces receiver on loopback: decodes every POST with the classes generated from the official
/// opentelemetry-proto files, answers with the statuses it is told (then 200), or never answers (stalled). Tests wait
/// on <see cref="WaitForSpansAsync"/>, which completes when the spans accepted so far satisfy a condition.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly UpstreamServer _server;
    private readonly object _lock = new();
    private readonly Queue<int> _statuses;
    private readonly List<Span> _spans = [];
    private readonly List<ExportTraceServiceRequest> _accepted = [];
    private readonly List<(string Path, string? ContentType, byte[] Body, int Status)> _posts = [];
    private readonly List<(Func<IReadOnlyList<Span>, bool> Until, TaskCompletionSource<Span[]> Done)> _waiters = [];

    private OtlpReceiver(bool stall, int[] statuses)
    {
        _statuses = new Queue<int>(statuses);
        _server = UpstreamServer.StartPerRequest(async (context, request) =>
        {
            if (stall)
            {
                lock (_lock)
                {
                    _posts.Add((request.Path, request.Header("content-type"), request.Body ?? [], 0));
                }

                try
                {
                    await Task.Delay(Timeout.Infinite, context.Stopping);
                }
                catch (OperationCanceledException)
                {
                }

                return;
            }

            int status;
            lock (_lock)
            {
                status = _statuses.Count > 0 ? _statuses.Dequeue() : 200;
                _posts.Add((request.Path, request.Header("content-type"), request.Body ?? [], status));
                if (status == 200)
                {
                    var decoded = ExportTraceServiceRequest.Parser.ParseFrom(request.Body ?? []);
                    _accepted.Add(decoded);
                    foreach (var resource in decoded.ResourceSpans)
                    {
                        foreach (var scope in resource.ScopeSpans)
                        {
                            _spans.AddRange(scope.Spans);
                        }
                    }

                    for (int i = _waiters.Count - 1; i >= 0; i--)
                    {
                        if (_waiters[i].Until(_spans))
                        {
                            _waiters[i].Done.TrySetResult([.. _spans]);
                            _waiters.RemoveAt(i);
                        }
                    }
                }
            }

            await context.RespondAsync(status, status == 200 ? "" : "busy", ("Content-Type", "application/x-protobuf"));
        });
    }

    /// <summary>Answers 200 to every export.</summary>
    public static OtlpReceiver Start(params int[] firstStatuses) => new(stall: false, firstStatuses);

    /// <summary>Reads each export and never answers.</summary>
    public static OtlpReceiver Stalled() => new(stall: true, []);

    public string Endpoint => $"http://{_server.Authority}/v1/traces";

    public (string Path, string? ContentType, byte[] Body, int Status)[] Posts
    {
        get
        {
            lock (_lock)
            {
                return [.. _posts];
            }
        }
    }

    public ExportTraceServiceRequest[] Accepted
    {
        get
        {
            lock (_lock)
            {
                return [.. _accepted];
            }
        }
    }

    /// <summary>Completes with every span accepted so far once they satisfy <paramref name="until"/> (fails after 20 s).</summary>
    public async Task<Span[]> WaitForSpansAsync(Func<IReadOnlyList<Span>, bool> until)
    {
        var done = new TaskCompletionSource<Span[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (until(_spans))
            {
                return [.. _spans];
            }

            _waiters.Add((until, done));
        }

        return await done.Task.WaitAsync(TimeSpan.FromSeconds(20));
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
