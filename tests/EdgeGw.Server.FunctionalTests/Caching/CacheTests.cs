using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Text;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace EdgeGw.Server.FunctionalTests.Caching;

/// <summary>The response cache through the real gateway, against a counting upstream.</summary>
public sealed class CacheTests
{
    private const string InvalidateKey = "invalidate-key-0123456789";

    /// <summary>
    /// Answers every request with a body naming the target and a sequence number, so a cached answer is
    /// recognisable. Query switches shape the response: <c>cc=</c> Cache-Control, <c>cookie=1</c>,
    /// <c>status=</c>, <c>size=</c> (body bytes), <c>chunked=1</c>.
    /// </summary>
    internal static UpstreamServer CountingUpstream(TaskCompletionSource? gate = null)
    {
        int sequence = 0;
        return UpstreamServer.StartPerRequest(async (context, request) =>
        {
            if (gate is not null)
            {
                await gate.Task.WaitAsync(context.Stopping);
            }

            int n = Interlocked.Increment(ref sequence);
            var query = System.Web.HttpUtility.ParseQueryString(request.Query);
            var headers = new List<(string, string)> { ("Content-Type", "text/plain"), ("X-Seq", n.ToString(CultureInfo.InvariantCulture)) };
            if (query["cc"] is { } cacheControl)
            {
                headers.Add(("Cache-Control", cacheControl));
            }

            if (query["cookie"] is not null)
            {
                headers.Add(("Set-Cookie", "session=abc"));
            }

            int status = int.Parse(query["status"] ?? "200", CultureInfo.InvariantCulture);
            byte[] body = query["size"] is { } size
                ? Enumerable.Repeat((byte)('a' + n % 26), int.Parse(size, CultureInfo.InvariantCulture)).ToArray()
                : Encoding.UTF8.GetBytes($"{request.Method} {request.Target} #{n}");
            if (request.Method == "HEAD")
            {
                await context.WriteAsync($"HTTP/1.1 {status} OK\r\nContent-Length: 42\r\nX-Seq: {n}\r\n\r\n");
                return;
            }

            if (query["chunked"] is not null)
            {
                var half = body.Length / 2;
                var text = new StringBuilder($"HTTP/1.1 {status} OK\r\nTransfer-Encoding: chunked\r\nX-Seq: {n}\r\n\r\n");
                text.Append(CultureInfo.InvariantCulture, $"{half:x}\r\n{Encoding.UTF8.GetString(body, 0, half)}\r\n");
                text.Append(CultureInfo.InvariantCulture, $"{body.Length - half:x}\r\n{Encoding.UTF8.GetString(body, half, body.Length - half)}\r\n0\r\n\r\n");
                await context.WriteAsync(text.ToString());
                return;
            }

            await context.RespondAsync(status, body, headers.ToArray());
        });
    }

    internal static string Config(string upstream, long maxBytes = 64 * 1024 * 1024, int maxEntryBytes = 1024 * 1024, int ttlSeconds = 60) => $$"""
        {
          "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 2 },
          "cache": { "maxBytes": {{maxBytes}}, "maxEntryBytes": {{maxEntryBytes}} },
          "clusters": [ { "name": "up", "destinations": ["{{upstream}}"] } ],
          "apis": [
            { "name": "t",
              "stages": [ { "name": "prod", "cache": { "enabled": true, "ttlSeconds": {{ttlSeconds}} } }, { "name": "beta" } ],
              "routes": [
                { "key": "GET /items/{id}", "integration": { "type": "http", "cluster": "up" } },
                { "key": "GET /search", "cache": { "keyQuery": ["q"], "keyHeaders": ["Accept-Language"] },
                  "integration": { "type": "http", "cluster": "up" } },
                { "key": "GET /fail", "cache": { "unauthorizedInvalidation": "fail", "invalidateApiKeys": ["{{InvalidateKey}}"] },
                  "integration": { "type": "http", "cluster": "up" } },
                { "key": "GET /warn", "cache": { "invalidateApiKeys": ["{{InvalidateKey}}"] },
                  "integration": { "type": "http", "cluster": "up" } },
                { "key": "GET /quiet", "cache": { "unauthorizedInvalidation": "ignore" },
                  "integration": { "type": "http", "cluster": "up" } },
                { "key": "GET /off", "cache": { "enabled": false }, "integration": { "type": "http", "cluster": "up" } },
                { "key": "ANY /any/{proxy+}", "cache": { "methods": ["GET", "HEAD", "POST"], "cacheSetCookie": true },
                  "integration": { "type": "http", "cluster": "up" } }
              ] }
          ]
        }
        """;

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(",", values)
            : "";

    internal static async Task<(HttpStatusCode Status, string Body, string Cache, HttpResponseMessage Response)> GetAsync(
        HttpClient client, string path, params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(System.Net.Http.HttpMethod.Get, path);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var response = await client.SendAsync(request);
        string body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, body, Header(response, "X-Cache"), response);
    }

    [Fact]
    public async Task Get_SecondRequest_IsServedFromCacheWithAge()
    {
        await using var upstream = CountingUpstream();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority));
        using var client = gateway.CreateClient();

        var first = await GetAsync(client, "/prod/items/1");
        var second = await GetAsync(client, "/prod/items/1");

        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal("Miss", first.Cache);
        Assert.Equal("Hit", second.Cache);
        Assert.Equal(first.Body, second.Body);
        Assert.Equal("GET /items/1 #1", second.Body);
        Assert.Equal("0", Header(second.Response, "Age"));
        Assert.Equal("text/plain", Header(second.Response, "Content-Type"));
        Assert.NotEqual(Header(first.Response, "X-Request-Id"), Header(second.Response, "X-Request-Id"));
        Assert.Equal(1, upstream.RequestsSeen);
    }

    [Fact]
    public async Task Entry_ExpiresAfterTtl_AndAgeCounts()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-31T23:59:00Z", CultureInfo.InvariantCulture));
        await using var upstream = CountingUpstream();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, ttlSeconds: 30), time);
        using var client = gateway.CreateClient();

        await GetAsync(client, "/prod/items/1");
        time.Advance(TimeSpan.FromSeconds(29));
        var aged = await GetAsync(client, "/prod/items/1");
        time.Advance(TimeSpan.FromSeconds(2));
        var expired = await GetAsync(client, "/prod/items/1");

        Assert.Equal("Hit", aged.Cache);
        Assert.Equal("29", Header(aged.Response, "Age"));
        Assert.Equal("Miss", expired.Cache);
        Assert.Equal("GET /items/1 #2", expired.Body);
    }

    [Fact]
    public async Task UpstreamMaxAge_ShortensTtl()
    {
        var time = new FakeTimeProvider();
        await using var upstream = CountingUpstream();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, ttlSeconds: 300), time);
        using var client = gateway.CreateClient();

        await GetAsync(client, "/prod/items/1?cc=public,%20max-age=5");
        time.Advance(TimeSpan.FromSeconds(4));
        var fresh = await GetAsync(client, "/prod/items/1?cc=public,%20max-age=5");
        time.Advance(TimeSpan.FromSeconds(2));
        var stale = await GetAsync(client, "/prod/items/1?cc=public,%20max-age=5");

        Assert.Equal("Hit", fresh.Cache);
        Assert.Equal("Miss", stale.Cache);
    }

    [Theory]
    [InlineData("/prod/items/1?cc=no-store")]
    [InlineData("/prod/items/1?cc=private")]
    [InlineData("/prod/items/1?cc=no-cache")]
    [InlineData("/prod/items/1?cc=s-maxage=0")]
    [InlineData("/prod/items/1?cookie=1")]
    [InlineData("/prod/items/1?status=500")]
    [InlineData("/prod/items/1?status=302")]
    public async Task UncacheableResponses_AreNotStored(string path)
    {
        await using var upstream = CountingUpstream();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority));
        using var client = gateway.CreateClient();

        var first = await GetAsync(client, path);
        var second = await GetAsync(client, path);

        Assert.Equal("Miss", first.Cache);
        Assert.Equal("Miss", second.Cache);
        Assert.NotEqual(first.Body, second.Body);
        Assert.Equal(2, upstream.RequestsSeen);
    }

    [Fact]
    public async Task SetCookie_IsStored_WhenRouteAllowsIt()
    {
        await using var upstream = CountingUpstream();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority));
        using var client = gateway.CreateClient();

        await GetAsync(client, "/prod/any/x?cookie=1");
        var second = await GetAsync(client, "/prod/any/x?cookie=1");

        Assert.Equal("Hit", second.Cache);
        Assert.Equal("session=abc", Header(second.Response, "Set-Cookie"));
    }

    [Fact]
    public async Task KeyParameters_SeparateEntries_OtherParametersAreIgnored()
    {
        await using var upstream = CountingUpstream();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority));
        using var client = gateway.CreateClient();

        var a = await GetAsync(client, "/prod/search?q=a&page=1", ("Accept-Language", "en"));
        var aOtherPage = await GetAsync(client, "/prod/search?page=2&q=a", ("Accept-Language", "en"));
        var b = await GetAsync(client, "/prod/search?q=b", ("Accept-Language", "en"));
        var aFrench = await GetAsync(client, "/prod/search?q=a", ("Accept-Language", "fr"));
        var aNoLanguage = await GetAsync(client, "/prod/search?q=a");
        var aEmptyQ = await GetAsync(client, "/prod/search?q=", ("Accept-Language", "en"));
        var aNoQ = await GetAsync(client, "/prod/search", ("Accept-Language", "en"));

        Assert.Equal("Miss", a.Cache);
        Assert.Equal("Hit", aOtherPage.Cache);
        Assert.Equal(a.Body, aOtherPage.Body);
        Assert.Equal(["Miss", "Miss", "Miss", "Miss", "Miss"], new[] { b.Cache, aFrench.Cache, aNoLanguage.Cache, aEmptyQ.Cache, aNoQ.Cache });
        Assert.Equal(6, upstream.RequestsSeen);
    }

    [Fact]
    public async Task ConcurrentMisses_ForOneKey_ReachTheUpstreamOnce()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = CountingUpstream(gate);
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority));
        using var client = gateway.CreateClient();

        var requests = Enumerable.Range(0, 100).Select(_ => GetAsync(client, "/prod/items/hot")).ToArray();
        // Every request head has reached the cache step (the leader is held at the upstream) before it answers.
        Assert.True(await Eventually.TrueAsync(() => gateway.Runtime.RequestsServed >= 100, TimeSpan.FromSeconds(15)), "all 100 heads arrived");

        gate.SetResult();
        var responses = await Task.WhenAll(requests);

        Assert.All(responses, r => Assert.Equal("GET /items/hot #1", r.Body));
        Assert.Equal(1, upstream.RequestsSeen);
        Assert.Equal(99, responses.Count(r => r.Cache == "Hit"));
        Assert.Equal(0, gateway.Runtime.Cache.PendingFills);
    }

    [Fact]
    public async Task Refresh_ByAuthorizedCaller_FetchesAndReplaces()
    {
        await using var upstream = CountingUpstream();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority));
        using var client = gateway.CreateClient();

        await GetAsync(client, "/prod/warn");
        var refreshed = await GetAsync(client, "/prod/warn", ("Cache-Control", "max-age=0"), ("x-api-key", InvalidateKey));
        var after = await GetAsync(client, "/prod/warn");

        Assert.Equal("Miss", refreshed.Cache);
        Assert.Equal("GET /warn #2", refreshed.Body);
        Assert.Equal("Hit", after.Cache);
        Assert.Equal("GET /warn #2", after.Body);
    }

    [Fact]
    public async Task Refresh_ByUnauthorizedCaller_FollowsTheRouteStrategy()
    {
        await using var upstream = CountingUpstream();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority));
        using var client = gateway.CreateClient();
        foreach (string path in new[] { "/prod/fail", "/prod/warn", "/prod/quiet" })
        {
            await GetAsync(client, path);
        }

        var failed = await GetAsync(client, "/prod/fail", ("Cache-Control", "max-age=0"), ("x-api-key", "wrong-key-0123456789"));
        var warned = await GetAsync(client, "/prod/warn", ("Cache-Control", "max-age=0"));
        var quiet = await GetAsync(client, "/prod/quiet", ("Cache-Control", "max-age=0"));

        Assert.Equal(HttpStatusCode.Forbidden, failed.Status);
        Assert.Equal("""{"message":"Forbidden"}""", failed.Body);
        Assert.Equal("Hit", warned.Cache);
        Assert.Contains("Cache-Control ignored", Header(warned.Response, "Warning"), StringComparison.Ordinal);
        Assert.Equal("Hit", quiet.Cache);
        Assert.Equal("", Header(quiet.Response, "Warning"));
        Assert.Equal(3, upstream.RequestsSeen);
    }

    [Fact]
    public async Task DisabledRoute_AndUncachedStage_GoUpstreamEveryTime()
    {
        await using var upstream = CountingUpstream();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority));
        using var client = gateway.CreateClient();

        await GetAsync(client, "/prod/off");
        var off = await GetAsync(client, "/prod/off");
        await GetAsync(client, "/beta/items/1");
        var beta = await GetAsync(client, "/beta/items/1");

        Assert.Equal("", off.Cache);
        Assert.Equal("", beta.Cache);
        Assert.Equal(4, upstream.RequestsSeen);
    }

    [Fact]
    public async Task ChunkedUpstreamResponse_IsStored_AndReplayedWithContentLength()
    {
        await using var upstream = CountingUpstream();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority));
        using var client = gateway.CreateClient();

        var first = await GetAsync(client, "/prod/items/c?chunked=1");
        var second = await GetAsync(client, "/prod/items/c?chunked=1");

        Assert.Equal("Hit", second.Cache);
        Assert.Equal(first.Body, second.Body);
        Assert.Equal(Encoding.UTF8.GetByteCount(second.Body), second.Response.Content.Headers.ContentLength);
        Assert.False(second.Response.Headers.TransferEncodingChunked ?? false);
    }

    [Fact]
    public async Task ResponseLargerThanEntryLimit_StreamsThroughUncached()
    {
        await using var upstream = CountingUpstream();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, maxEntryBytes: 64 * 1024));
        using var client = gateway.CreateClient();

        var first = await GetAsync(client, "/prod/items/big?size=200000");
        var second = await GetAsync(client, "/prod/items/big?size=200000");
        var small = await GetAsync(client, "/prod/items/big?size=1000");
        var smallAgain = await GetAsync(client, "/prod/items/big?size=1000");

        Assert.Equal(200000, first.Body.Length);
        Assert.Equal(200000, second.Body.Length);
        Assert.Equal("Miss", second.Cache);
        Assert.Equal("Hit", smallAgain.Cache);
        Assert.Equal(small.Body, smallAgain.Body);
    }

    [Fact]
    public async Task ResponseLargerThanEntryLimit_IsCountedAsRejected_InMetrics()
    {
        await using var upstream = CountingUpstream();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, maxEntryBytes: 64 * 1024));
        using var client = gateway.CreateClient();
        using var admin = gateway.CreateAdminClient();

        await GetAsync(client, "/prod/items/big?size=200000");
        await GetAsync(client, "/prod/items/big?size=100000");
        await GetAsync(client, "/prod/items/small?size=1000");
        string metrics = await admin.GetStringAsync("/metrics");

        // Two responses outgrew maxEntryBytes while they streamed; the small one was stored.
        Assert.Contains("edgegw_cache_rejected_total 2\n", metrics, StringComparison.Ordinal);
        Assert.Contains("edgegw_cache_stores_total 1\n", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Head_IsCachedSeparately_AndKeepsContentLength()
    {
        await using var upstream = CountingUpstream();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority));
        using var client = gateway.CreateClient();
        await using var raw = await gateway.ConnectRawAsync();

        for (int i = 0; i < 2; i++)
        {
            await raw.SendAsync("HEAD /prod/items/h HTTP/1.1\r\nHost: x\r\n\r\n");
        }

        var firstHead = await raw.ReadResponseAsync(headRequest: true);
        var secondHead = await raw.ReadResponseAsync(headRequest: true);
        var get = await GetAsync(client, "/prod/items/h");

        Assert.Equal("Miss", firstHead.Head.Get("X-Cache"));
        Assert.Equal("Hit", secondHead.Head.Get("X-Cache"));
        Assert.Equal("42", secondHead.Head.Get("Content-Length"));
        Assert.Empty(secondHead.Body);
        Assert.Equal("Miss", get.Cache);
        Assert.Equal(2, upstream.RequestsSeen);
    }

    [Fact]
    public async Task PostOptIn_IsCached_AndTheBodyOfAHitIsDrained()
    {
        await using var upstream = CountingUpstream();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority));
        using var client = gateway.CreateClient();

        using var first = await client.PostAsync("/prod/any/p", new StringContent("one"));
        using var second = await client.PostAsync("/prod/any/p", new StringContent("two"));
        using var after = await client.GetAsync("/prod/items/after");

        Assert.Equal("Hit", Header(second, "X-Cache"));
        Assert.Equal(await first.Content.ReadAsStringAsync(), await second.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(2, upstream.RequestsSeen);
    }

    [Fact]
    public async Task ByteBudget_BoundsTheStore()
    {
        await using var upstream = CountingUpstream();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, maxBytes: 256 * 1024, maxEntryBytes: 16 * 1024));
        using var client = gateway.CreateClient();

        // ~10 KiB entries against a 256 KiB budget: 40 keys asked for once fill it; 40 keys asked for twice
        // are more popular than those, so TinyLFU admits them by evicting the older ones.
        for (int i = 0; i < 40; i++)
        {
            await GetAsync(client, $"/prod/items/{i}?size=10000");
        }

        for (int i = 40; i < 80; i++)
        {
            await GetAsync(client, $"/prod/items/{i}?size=10000");
            await GetAsync(client, $"/prod/items/{i}?size=10000");
        }

        var stats = gateway.Runtime.Cache.Statistics;
        Assert.InRange(stats.Bytes, 1, 256 * 1024);
        Assert.InRange(stats.Entries, 5, 25);
        Assert.True(stats.Evictions > 0, "the budget forced evictions");
    }
}
