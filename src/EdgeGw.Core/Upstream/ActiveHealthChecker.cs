using EdgeGw.Core.Model;
using System.Net.Http;

namespace EdgeGw.Core.Upstream;

/// <summary>
/// Probes one destination with <c>GET path</c> every interval on its own connection (never a pooled request
/// connection). After <c>unhealthyThreshold</c> failed probes in a row the destination leaves balancing; after
/// <c>healthyThreshold</c> good ones (2xx/3xx within the timeout) it returns, ending a passive ejection too.
/// An https destination is probed over TLS with its cluster's settings (CA, SNI name, client certificate): the
/// probe's connection is authenticated with the same options as request connections, so a backend whose
/// certificate stops verifying fails its probes too.
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
    private readonly HttpClient _client;
    private int _running;
    private int _successes;
    private int _failures;
    private long _probes;

    public ActiveHealthChecker(DestinationState destination, ActiveHealthSettings settings, TimeProvider time)
    {
        _destination = destination;
        _settings = settings;
        _uri = new Uri($"http://{destination.Model.Authority}{settings.Path}");
        _client = destination.Model.UseTls ? CreateTlsClient(destination) : Client;
        var interval = TimeSpan.FromSeconds(settings.IntervalSeconds);
        _timer = time.CreateTimer(static s => ((ActiveHealthChecker)s!).Tick(), this, TimeSpan.Zero, interval);
    }

    public ActiveHealthSettings Settings => _settings;
    public DestinationState Destination => _destination;

    /// <summary>
    /// A client whose connections are TLS streams this checker authenticates with the destination's current
    /// options (read at each connect, so a reload's new CA applies): the handler itself speaks plain HTTP/1.1
    /// over them, so it adds no TLS settings of its own.
    /// </summary>
    private static HttpClient CreateTlsClient(DestinationState destination) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.Zero,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var options = destination.TlsOptions ?? throw new HttpRequestException("the destination is no longer https");
            var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
                var ssl = new System.Net.Security.SslStream(new System.Net.Sockets.NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
                try
                {
                    await ssl.AuthenticateAsClientAsync(options, cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    await ssl.DisposeAsync().ConfigureAwait(false);
                    throw;
                }

                return ssl;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };
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
            using var response = await _client.GetAsync(_uri, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            healthy = (int)response.StatusCode is >= 200 and < 400;
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException or ObjectDisposedException or System.Security.Authentication.AuthenticationException)
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

    public void Dispose()
    {
        _timer.Dispose();
        if (!ReferenceEquals(_client, Client))
        {
            _client.Dispose();
        }
    }
}
