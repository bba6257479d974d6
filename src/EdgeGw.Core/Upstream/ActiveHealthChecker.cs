using EdgeGw.Core.Model;
using System.Net.Http;

namespace EdgeGw.Core.Upstream;

/// <summary>
/// Probes one destination with <c>GET path</c> every interval on its own connection (never a pooled request
/// connection). After <c>unhealthyThreshold</c> failed probes in a row the destination leaves balancing; after
/// <c>healthyThreshold</c> good ones (2xx/3xx within the timeout) it returns, ending a passive ejection too.
/// </summary>
internal sealed class ActiveHealthChecker : IDisposable
{
    private static readonly HttpClient Client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.Zero,
        ConnectTimeout = TimeSpan.FromSeconds(10),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private readonly DestinationState _destination;
    private readonly ActiveHealthSettings _settings;
    private readonly Uri _uri;
    private readonly ITimer _timer;
    private int _running;
    private int _successes;
    private int _failures;
    private long _probes;

    public ActiveHealthChecker(DestinationState destination, ActiveHealthSettings settings, TimeProvider time)
    {
        _destination = destination;
        _settings = settings;
        _uri = new Uri($"http://{destination.Model.Authority}{settings.Path}");
        var interval = TimeSpan.FromSeconds(settings.IntervalSeconds);
        _timer = time.CreateTimer(static s => ((ActiveHealthChecker)s!).Tick(), this, TimeSpan.Zero, interval);
    }

    public ActiveHealthSettings Settings => _settings;
    public long Probes => Interlocked.Read(ref _probes);

    private void Tick()
    {
        if (Interlocked.Exchange(ref _running, 1) == 0)
        {
            _ = ProbeAsync();
        }
    }

    private async Task ProbeAsync()
    {
        bool healthy;
        try
        {
            using var timeout = new CancellationTokenSource(_settings.TimeoutMs);
            using var response = await Client.GetAsync(_uri, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            healthy = (int)response.StatusCode is >= 200 and < 400;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            healthy = false;
        }
        finally
        {
            Interlocked.Increment(ref _probes);
            Volatile.Write(ref _running, 0);
        }

        if (healthy)
        {
            _failures = 0;
            if (++_successes >= _settings.HealthyThreshold && (_destination.ActivelyDown || !_destination.IsHealthy(long.MaxValue)))
            {
                _destination.MarkUp();
                _destination.HealthChanged?.Invoke(HealthChange.Recovered, 0);
            }
        }
        else
        {
            _successes = 0;
            if (++_failures >= _settings.UnhealthyThreshold && !_destination.ActivelyDown)
            {
                _destination.ActivelyDown = true;
                _destination.HealthChanged?.Invoke(HealthChange.ProbesFailing, 0);
            }
        }
    }

    public void Dispose() => _timer.Dispose();
}
