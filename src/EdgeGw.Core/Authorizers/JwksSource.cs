using System.Net.Http;
using System.Net.Http.Headers;
using System.Text.Json;

namespace EdgeGw.Core.Authorizers;

/// <summary>
/// Where a JWT authorizer's keys come from: <c>jwksUri</c>, else OIDC discovery (<c>{issuer}/.well-known/openid-configuration</c>'s
/// <c>jwks_uri</c>). One per issuer and location, shared by the authorizers naming it (<see cref="JwksSources"/>). Fetched
/// with HttpClient off the request path (at most <see cref="FetchRules.MaxBytes"/>), one fetch at a time, first when a
/// configuration using it becomes current (<see cref="Prefetch"/>). A request reads <see cref="Current"/>; when the set is
/// older than <see cref="RefreshAfter"/> that read starts a background refresh and goes on with the keys it has. Only a
/// request finding no keys yet and a refresh for an unknown <c>kid</c> wait, at most <see cref="FetchRules.Timeout"/>
/// (AWS's 1,500 ms) — the fetch itself may go on to <see cref="FetchRules.BackgroundTimeout"/>, so a slow issuer's keys
/// still serve the next requests — and unknown-kid refreshes are rate-limited to one per <see cref="UnknownKidInterval"/>
/// (random kids cannot make the gateway hammer the issuer). A failed fetch keeps the old keys.
/// </summary>
public sealed class JwksSource
{
    public static readonly TimeSpan RefreshAfter = TimeSpan.FromHours(1);
    public static readonly TimeSpan UnknownKidInterval = TimeSpan.FromSeconds(10);
    /// <summary>After a failed fetch, no new one before this (a dead issuer gets one try per interval, not one per request).</summary>
    public static readonly TimeSpan FailureBackoff = TimeSpan.FromSeconds(2);

    private static readonly HttpClient Client = CreateClient();

    private readonly string _issuer;
    private readonly string? _jwksUri;
    private readonly Lock _lock = new();
    private volatile JsonWebKeySet? _keys;
    private long _fetchedAt;
    private long _lastUnknownKidRefresh = long.MinValue / 2;
    private long _lastFailure = long.MinValue / 2;
    private Task<JsonWebKeySet?>? _inFlight;
    private int _fetches;

    public JwksSource(string issuer, string? jwksUri)
    {
        _issuer = issuer;
        _jwksUri = jwksUri;
    }

    /// <summary>The keys fetched last; null before the first successful fetch.</summary>
    public JsonWebKeySet? Current
    {
        get
        {
            var keys = _keys;
            if (keys is not null && Environment.TickCount64 - Volatile.Read(ref _fetchedAt) > (long)RefreshAfter.TotalMilliseconds && Volatile.Read(ref _inFlight) is null)
            {
                _ = FetchAsync(); // in the background: this request goes on with the keys it has
            }

            return keys;
        }
    }

    /// <summary>Fetches started (discovery and JWKS count as one), for tests and metrics.</summary>
    public int Fetches => Volatile.Read(ref _fetches);

    /// <summary>
    /// Starts the first fetch unless the keys are there or being fetched (a configuration using this source became
    /// current); the task ends with the keys, or null when the fetch failed. Never waited on by a request.
    /// </summary>
    public Task<JsonWebKeySet?> Prefetch() => _keys is { } keys ? Task.FromResult<JsonWebKeySet?>(keys) : FetchAsync();

    /// <summary>The first fetch (awaited by the first requests, at most <see cref="FetchRules.Timeout"/>); null when it failed.</summary>
    public Task<JsonWebKeySet?> InitialAsync()
    {
        if (_keys is { } keys)
        {
            return Task.FromResult<JsonWebKeySet?>(keys);
        }

        if (Environment.TickCount64 - Volatile.Read(ref _lastFailure) < (long)FailureBackoff.TotalMilliseconds && Volatile.Read(ref _inFlight) is null)
        {
            return Task.FromResult<JsonWebKeySet?>(null);
        }

        return FetchAsync();
    }

    /// <summary>A refresh for a kid the current set lacks; false when one ran within <see cref="UnknownKidInterval"/> (then the token is refused).</summary>
    public bool TryRefreshForUnknownKid(out Task<JsonWebKeySet?> refresh)
    {
        long now = Environment.TickCount64;
        lock (_lock)
        {
            if (_inFlight is { } running)
            {
                refresh = running;
                return true;
            }

            if (now - _lastUnknownKidRefresh < (long)UnknownKidInterval.TotalMilliseconds)
            {
                refresh = null!;
                return false;
            }

            _lastUnknownKidRefresh = now;
        }

        refresh = FetchAsync();
        return true;
    }

    private Task<JsonWebKeySet?> FetchAsync()
    {
        lock (_lock)
        {
            if (_inFlight is { } running)
            {
                return running;
            }

            var task = Task.Run(FetchCoreAsync);
            _inFlight = task;
            return task;
        }
    }

    private async Task<JsonWebKeySet?> FetchCoreAsync()
    {
        Interlocked.Increment(ref _fetches);
        JsonWebKeySet? keys = null;
        try
        {
            string? jwksUri = _jwksUri ?? await DiscoverAsync().ConfigureAwait(false);
            if (jwksUri is not null && FetchRules.IsAllowed(jwksUri, out _))
            {
                byte[]? body = await GetAsync(jwksUri).ConfigureAwait(false);
                keys = body is null ? null : JsonWebKeySet.Parse(body);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or JsonException or IOException or InvalidOperationException
            or UriFormatException or ArgumentException or NotSupportedException)
        {
            // Any of these leaves the source retryable (a fault escaping here would leave _inFlight set for good).
            keys = null;
        }

        lock (_lock)
        {
            if (keys is not null)
            {
                _keys = keys;
                Volatile.Write(ref _fetchedAt, Environment.TickCount64);
            }
            else
            {
                _lastFailure = Environment.TickCount64;
                if (_keys is not null)
                {
                    // Keep the old keys; try the background refresh again after the backoff rather than at once.
                    Volatile.Write(ref _fetchedAt, Environment.TickCount64 - (long)RefreshAfter.TotalMilliseconds + (long)FailureBackoff.TotalMilliseconds);
                }
            }

            _inFlight = null;
        }

        return keys ?? _keys;
    }

    private async Task<string?> DiscoverAsync()
    {
        string discovery = _issuer.TrimEnd('/') + "/.well-known/openid-configuration";
        byte[]? body = await GetAsync(discovery).ConfigureAwait(false);
        if (body is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(body);
        return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("jwks_uri", out var uri) && uri.ValueKind == JsonValueKind.String
            ? uri.GetString()
            : null;
    }

    private static async Task<byte[]?> GetAsync(string uri)
    {
        using var timeout = new CancellationTokenSource(FetchRules.BackgroundTimeout);
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode || response.Content.Headers.ContentLength > FetchRules.MaxBytes)
        {
            return null;
        }

        await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
        var buffer = new byte[FetchRules.MaxBytes + 1];
        int total = 0;
        while (total < buffer.Length)
        {
            int read = await stream.ReadAsync(buffer.AsMemory(total), timeout.Token).ConfigureAwait(false);
            if (read == 0)
            {
                return buffer[..total];
            }

            total += read;
        }

        return null; // over the limit
    }

    private static HttpClient CreateClient() => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = FetchRules.BackgroundTimeout,
        MaxResponseHeadersLength = 64,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };
}
