using EdgeGw.Core.Model;

namespace EdgeGw.Server.AccessLogging;

/// <summary>
/// The process's access log destinations, kept across reloads: a model's destinations are bound to sinks by
/// name, so a reload that keeps a destination keeps its sink (and the lines buffered in it) and only a format
/// change is new (the template lives in the model); a destination no model names any more is retired (closed
/// after the requests still in flight on the old model wrote their lines).
/// </summary>
public sealed class AccessLogRegistry : IDisposable
{
    private readonly object _lock = new();
    private readonly Dictionary<string, AccessLogSink> _sinks = new(StringComparer.Ordinal);
    private readonly List<AccessLogSink> _retired = [];

    public AccessLogCounters Counters { get; } = new();

    /// <summary>The sinks of <paramref name="model"/>'s destinations, indexed like <see cref="GatewayModel.AccessLogDestinations"/>.</summary>
    internal AccessLogSink[] Bind(GatewayModel model)
    {
        lock (_lock)
        {
            var destinations = model.AccessLogDestinations;
            var bound = new AccessLogSink[destinations.Length];
            for (int i = 0; i < bound.Length; i++)
            {
                if (!_sinks.TryGetValue(destinations[i], out var sink))
                {
                    sink = new AccessLogSink(destinations[i], Counters);
                    _sinks.Add(destinations[i], sink);
                }

                bound[i] = sink;
            }

            foreach (var (name, sink) in _sinks.ToArray())
            {
                if (Array.IndexOf(bound, sink) < 0)
                {
                    sink.Retire();
                    _sinks.Remove(name);
                    _retired.Add(sink);
                }
            }

            return bound;
        }
    }

    /// <summary>Reopens every file (SIGUSR1, after logrotate renamed them).</summary>
    public void Reopen()
    {
        lock (_lock)
        {
            foreach (var sink in _sinks.Values)
            {
                sink.Reopen();
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var sink in _sinks.Values)
            {
                sink.Dispose();
            }

            foreach (var sink in _retired)
            {
                sink.Dispose();
            }

            _sinks.Clear();
            _retired.Clear();
        }
    }
}
