using System.Globalization;
using System.Text;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Compression;

/// <summary>
/// Response compression through the real gateway against an upstream the test starts; every compressed body is
/// decoded by gunzip or brotli (not our code) and compared with the bytes the upstream sent.
/// </summary>
public sealed class CompressionTests
{
    private const int Minimum = 1024;

    /// <summary>
    /// JSON-like text of <paramref name="length"/> bytes, varied enough that compression is real work. The
    /// upstream answers <c>?size=N</c> with it; <c>chunked=1</c> sends it in 16 KiB chunks, <c>type=</c>,
    /// <c>ce=</c>, <c>cc=</c>, <c>etag=</c> set those headers.
    /// </summary>
    internal static byte[] Payload(int length)
    {
        var text = new StringBuilder(length + 64);
        for (int i = 0; text.Length < length; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{{\"id\":{i},\"name\":\"item-{i * 7919 % 10007}\",\"price\":{i % 97}.{i % 89:00},\"tags\":[\"t{i % 13}\",\"u{i % 17}\"]}},");
        }

        return Encoding.ASCII.GetBytes(text.ToString(0, length));
    }

    private static UpstreamServer Upstream() => UpstreamServer.StartPerRequest(async (context, request) =>
    {
        var query = System.Web.HttpUtility.ParseQueryString(request.Query);
        int size = int.Parse(query["size"] ?? "4096", CultureInfo.InvariantCulture);
        var body = Payload(size);
        var head = new StringBuilder("HTTP/1.1 200 OK\r\n");
        head.Append(CultureInfo.InvariantCulture, $"Content-Type: {query["type"] ?? "application/json; charset=utf-8"}\r\n");
        foreach (var (key, header) in new[] { ("ce", "Content-Encoding"), ("cc", "Cache-Control"), ("etag", "ETag"), ("vary", "Vary") })
        {
            if (query[key] is { } value)
            {
                head.Append(CultureInfo.InvariantCulture, $"{header}: {value}\r\n");
            }
        }

        bool chunked = query["chunked"] is not null;
        head.Append(chunked ? "Transfer-Encoding: chunked\r\n\r\n" : $"Content-Length: {body.Length}\r\n\r\n");
        await context.WriteAsync(head.ToString());
        if (request.Method == "HEAD")
        {
            return;
        }

        if (!chunked)
        {
            await context.WriteAsync(body);
            return;
        }

        for (int offset = 0; offset < body.Length; offset += 16 * 1024)
        {
            int take = Math.Min(16 * 1024, body.Length - offset);
            await context.WriteAsync($"{take:x}\r\n");
            await context.WriteAsync(body.AsMemory(offset, take));
            await context.WriteAsync("\r\n");
        }

        await context.WriteAsync("0\r\n\r\n");
    });

    private static string Config(string upstream) => $$"""
        {
          "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 2 },
          "clusters": [ { "name": "up", "destinations": ["{{upstream}}"], "responseTimeoutMs": 20000 } ],
          "apis": [
            { "name": "t", "minimumCompressionSize": {{Minimum}}, "stages": [ { "name": "$default" } ],
              "routes": [
                { "key": "ANY /c/{proxy+}", "integration": { "type": "http", "cluster": "up" } },
                { "key": "ANY /gz/{proxy+}", "compression": { "encodings": ["gzip"], "gzipLevel": 9 }, "integration": { "type": "http", "cluster": "up" } },
                { "key": "GET /cached/{proxy+}", "cache": { "enabled": true }, "integration": { "type": "http", "cluster": "up" } },
                { "key": "ANY /off/{proxy+}", "compression": { "enabled": false }, "integration": { "type": "http", "cluster": "up" } },
                { "key": "GET /mock", "integration": { "type": "mock", "status": 200, "headers": { "content-type": "application/json" }, "body": "{{Encoding.ASCII.GetString(Payload(4000)).Replace("\"", "\\\"", StringComparison.Ordinal)}}" } }
              ] }
          ]
        }
        """;

    private static async Task<RawResponse> GetAsync(RawClient client, string target, string? acceptEncoding, string method = "GET")
    {
        string accept = acceptEncoding is null ? "" : $"Accept-Encoding: {acceptEncoding}\r\n";
        await client.SendAsync($"{method} {target} HTTP/1.1\r\nHost: t\r\n{accept}\r\n");
        return await client.ReadResponseAsync(headRequest: method == "HEAD", timeout: TimeSpan.FromSeconds(30));
    }

    private static async Task AssertCompressedAsync(RawResponse response, string coding, byte[] original)
    {
        Assert.Equal(200, response.Status);
        Assert.Equal(coding, response.Header("Content-Encoding"));
        Assert.Null(response.Header("Content-Length"));
        Assert.True(response.Head.IsChunked, "a compressed body is chunked to an HTTP/1.1 client");
        Assert.Contains("Accept-Encoding", response.Header("Vary") ?? "", StringComparison.OrdinalIgnoreCase);
        Assert.True(response.Body.Length < original.Length, $"{coding}: {response.Body.Length} bytes for {original.Length}");
        var decoded = await ExternalDecoder.DecodeAsync(coding, response.Body);
        Assert.Equal(original, decoded);
    }

    [DecoderFact]
    public async Task Fixed_length_and_chunked_bodies_are_compressed_with_the_negotiated_coding_on_one_connection()
    {
        await using var upstream = Upstream();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority));
        await using var client = await RawClient.ConnectAsync(gateway.Port);

        await AssertCompressedAsync(await GetAsync(client, "/c/a?size=20000", "gzip"), "gzip", Payload(20000));
        await AssertCompressedAsync(await GetAsync(client, "/c/a?size=20000&chunked=1", "gzip, deflate, br"), "br", Payload(20000));
        await AssertCompressedAsync(await GetAsync(client, "/c/a?size=5000", "br;q=0.5, gzip;q=0.8"), "gzip", Payload(5000));
        await AssertCompressedAsync(await GetAsync(client, "/c/a?size=5000&chunked=1", "identity;q=0, *"), "br", Payload(5000));
        // The connection is still in step after four re-framed bodies.
        var plain = await GetAsync(client, "/c/a?size=3000", null);
        Assert.Equal(Payload(3000), plain.Body);
    }

    [DecoderFact]
    public async Task An_http10_client_gets_the_compressed_body_ended_by_closing()
    {
        await using var upstream = Upstream();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority));
        await using var client = await RawClient.ConnectAsync(gateway.Port);

        await client.SendAsync("GET /c/old?size=50000 HTTP/1.0\r\nHost: t\r\nConnection: keep-alive\r\nAccept-Encoding: gzip\r\n\r\n");
        var response = await client.ReadResponseAsync(timeout: TimeSpan.FromSeconds(30));
        Assert.Equal("gzip", response.Header("Content-Encoding"));
        Assert.Null(response.Header("Content-Length"));
        Assert.False(response.Head.IsChunked);
        Assert.Equal("close", response.Header("Connection"));
        Assert.Equal(Payload(50000), await ExternalDecoder.DecodeAsync("gzip", response.Body));
    }

    [DecoderFact]
    public async Task Bodies_over_a_mebibyte_are_streamed_compressed()
    {
        await using var upstream = Upstream();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority));
        await using var client = await RawClient.ConnectAsync(gateway.Port);
        const int size = 3 * 1024 * 1024 + 17;

        await AssertCompressedAsync(await GetAsync(client, $"/c/big?size={size}", "br"), "br", Payload(size));
        await AssertCompressedAsync(await GetAsync(client, $"/c/big?size={size}&chunked=1", "gzip"), "gzip", Payload(size));
        // A route's own level and encodings: gzip only, level 9.
        await AssertCompressedAsync(await GetAsync(client, $"/gz/big?size={size}", "br, gzip"), "gzip", Payload(size));
    }

    [DecoderFact]
    public async Task Responses_the_gateway_must_not_compress_pass_unchanged()
    {
        await using var upstream = Upstream();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority));
        await using var client = await RawClient.ConnectAsync(gateway.Port);

        // Below minimumCompressionSize (known length): as is, and no Vary (it does not vary).
        var small = await GetAsync(client, $"/c/s?size={Minimum - 1}", "gzip, br");
        Assert.Null(small.Header("Content-Encoding"));
        Assert.Equal((Minimum - 1).ToString(CultureInfo.InvariantCulture), small.Header("Content-Length"));
        Assert.Null(small.Header("Vary"));
        Assert.Equal(Payload(Minimum - 1), small.Body);

        // Exactly the minimum is compressed (AWS: "greater than or equal to").
        await AssertCompressedAsync(await GetAsync(client, $"/c/s?size={Minimum}", "gzip"), "gzip", Payload(Minimum));

        // Already encoded by the backend: its bytes and coding as they are.
        var encoded = await GetAsync(client, "/c/e?size=5000&ce=identity", "gzip");
        Assert.Equal("identity", encoded.Header("Content-Encoding"));
        Assert.Equal(Payload(5000), encoded.Body);

        // Cache-Control: no-transform.
        var noTransform = await GetAsync(client, "/c/n?size=5000&cc=public,%20no-transform", "br");
        Assert.Null(noTransform.Header("Content-Encoding"));
        Assert.Equal(Payload(5000), noTransform.Body);

        // Not a compressible type.
        var binary = await GetAsync(client, "/c/b?size=5000&type=image/png", "br");
        Assert.Null(binary.Header("Content-Encoding"));
        Assert.Equal(Payload(5000), binary.Body);

        // The route turns compression off.
        var off = await GetAsync(client, "/off/x?size=5000", "br");
        Assert.Null(off.Header("Content-Encoding"));
        Assert.Equal(Payload(5000), off.Body);

        // The client accepts neither coding (or none at all): identity, but the answer varies by Accept-Encoding.
        foreach (string? accept in new[] { null, "", "gzip;q=0, br;q=0", "deflate", "*;q=0", "gzip;q=x" })
        {
            var identity = await GetAsync(client, "/c/i?size=5000", accept);
            Assert.Null(identity.Header("Content-Encoding"));
            Assert.Equal("5000", identity.Header("Content-Length"));
            Assert.Equal("Accept-Encoding", identity.Header("Vary"));
            Assert.Equal(Payload(5000), identity.Body);
        }
    }

    [DecoderFact]
    public async Task Head_is_answered_uncompressed_and_a_strong_etag_is_weakened()
    {
        await using var upstream = Upstream();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority));
        await using var client = await RawClient.ConnectAsync(gateway.Port);

        var head = await GetAsync(client, "/c/h?size=5000", "gzip", method: "HEAD");
        Assert.Equal(200, head.Status);
        Assert.Null(head.Header("Content-Encoding"));
        Assert.Equal("5000", head.Header("Content-Length"));
        Assert.Equal("Accept-Encoding", head.Header("Vary"));

        var strong = await GetAsync(client, "/c/h?size=5000&etag=%22v1%22", "gzip");
        Assert.Equal("W/\"v1\"", strong.Header("ETag"));
        await AssertCompressedAsync(strong, "gzip", Payload(5000));

        var weak = await GetAsync(client, "/c/h?size=5000&etag=W/%22v2%22&vary=Accept-Encoding", "br");
        Assert.Equal("W/\"v2\"", weak.Header("ETag"));
        Assert.Single(weak.Head.GetAll("Vary"));
        await AssertCompressedAsync(weak, "br", Payload(5000));
    }

    [DecoderFact]
    public async Task Mock_bodies_are_compressed_once_per_coding()
    {
        await using var upstream = Upstream();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority));
        await using var client = await RawClient.ConnectAsync(gateway.Port);

        foreach (string coding in new[] { "br", "gzip", "br" })
        {
            var response = await GetAsync(client, "/mock", coding);
            Assert.Equal(200, response.Status);
            Assert.Equal(coding, response.Header("Content-Encoding"));
            Assert.Equal("Accept-Encoding", response.Header("Vary"));
            // The whole body is known: a Content-Length, not chunks.
            Assert.Equal(response.Body.Length.ToString(CultureInfo.InvariantCulture), response.Header("Content-Length"));
            Assert.Equal(Payload(4000), await ExternalDecoder.DecodeAsync(coding, response.Body));
        }

        var identity = await GetAsync(client, "/mock", null);
        Assert.Null(identity.Header("Content-Encoding"));
        Assert.Equal("Accept-Encoding", identity.Header("Vary"));
        Assert.Equal(Payload(4000), identity.Body);
    }

    [DecoderFact]
    public async Task The_cache_stores_identity_and_serves_each_coding_from_it()
    {
        await using var upstream = Upstream();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority));
        await using var client = await RawClient.ConnectAsync(gateway.Port);
        const string target = "/cached/x?size=70000&etag=%22e1%22";

        var miss = await GetAsync(client, target, "gzip");
        Assert.Equal("Miss", miss.Header("X-Cache"));
        await AssertCompressedChunkedOrNotAsync(miss, "gzip");

        foreach (string coding in new[] { "br", "gzip", "br" })
        {
            var hit = await GetAsync(client, target, coding);
            Assert.Equal("Hit", hit.Header("X-Cache"));
            Assert.Equal("W/\"e1\"", hit.Header("ETag"));
            await AssertCompressedChunkedOrNotAsync(hit, coding);
        }

        var identity = await GetAsync(client, target, "identity");
        Assert.Equal("Hit", identity.Header("X-Cache"));
        Assert.Null(identity.Header("Content-Encoding"));
        Assert.Equal("\"e1\"", identity.Header("ETag"));
        Assert.Equal("Accept-Encoding", identity.Header("Vary"));
        Assert.Equal(Payload(70000), identity.Body);
        Assert.Equal(1, upstream.RequestsSeen);

        static async Task AssertCompressedChunkedOrNotAsync(RawResponse response, string coding)
        {
            Assert.Equal(coding, response.Header("Content-Encoding"));
            Assert.Equal("Accept-Encoding", response.Header("Vary"));
            Assert.Equal(Payload(70000), await ExternalDecoder.DecodeAsync(coding, response.Body));
        }
    }
}
