using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeGw.Server.FunctionalTests.Http1;

[CollectionDefinition(nameof(SerialCollection), DisableParallelization = true)]
public sealed class SerialCollection;

/// <summary>
/// 50 MiB each way. The gateway runs in this process, so the managed heap is sampled while the bytes flow:
/// a gateway that buffered a whole body would hold ≥ 50 MiB live at some point. The test's own client and
/// upstream stream through fixed 64 KiB buffers and hash on the fly, so they add next to nothing.
/// Runs alone (heap figures are process-wide).
/// </summary>
[Collection(nameof(SerialCollection))]
public sealed class StreamingTests(ITestOutputHelper output)
{
    private const long BodyBytes = 50L * 1024 * 1024;
    private const long MaxHeapGrowth = 32L * 1024 * 1024;

    private static UpstreamServer HashOrStream() => UpstreamServer.StartPerRequest(async (context, request) =>
    {
        if (request.Method == "POST")
        {
            await context.RespondAsync(200, request.BodySha256!, ("x-body-length", request.BodyLength.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            return;
        }

        await context.WriteAsync($"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {BodyBytes}\r\n\r\n");
        var block = new byte[64 * 1024];
        for (long offset = 0; offset < BodyBytes; offset += block.Length)
        {
            int take = (int)Math.Min(block.Length, BodyBytes - offset);
            TestData.Fill(block.AsSpan(0, take), offset);
            await context.WriteAsync(block.AsMemory(0, take));
        }
    }, bufferBody: false);

    private sealed class GeneratedContent(long length) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            var block = new byte[64 * 1024];
            for (long offset = 0; offset < length; offset += block.Length)
            {
                int take = (int)Math.Min(block.Length, length - offset);
                TestData.Fill(block.AsSpan(0, take), offset);
                await stream.WriteAsync(block.AsMemory(0, take));
            }
        }

        protected override bool TryComputeLength(out long result)
        {
            result = length;
            return true;
        }
    }

    /// <summary>Samples the managed heap (live + not yet collected) until disposed; reports the peak over the baseline.</summary>
    private sealed class HeapSampler : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private readonly long _baseline;
        private long _peak;

        public HeapSampler()
        {
            _baseline = GC.GetTotalMemory(forceFullCollection: true);
            _peak = _baseline;
            _loop = Task.Run(async () =>
            {
                using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
                do
                {
                    long now = GC.GetTotalMemory(false);
                    if (now > _peak)
                    {
                        _peak = now;
                    }
                }
                while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false));
            });
        }

        public long PeakGrowth => _peak - _baseline;

        private bool _disposed;

        public async ValueTask DisposeAsync()
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            await _stop.CancelAsync();
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
            }

            _stop.Dispose();
        }
    }

    [Fact]
    public async Task FiftyMiBRequestBody_IsStreamedToUpstream_WithBoundedMemory()
    {
        await using var upstream = HashOrStream();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority, timeoutMs: 30_000));
        using var client = gateway.CreateClient();
        using (var warm = await client.GetAsync("/prod/mock"))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        HttpResponseMessage response;
        long growth;
        await using (var sampler = new HeapSampler())
        {
            response = await client.PostAsync("/prod/echo/upload", new GeneratedContent(BodyBytes));
            await sampler.DisposeAsync();
            growth = sampler.PeakGrowth;
        }

        using (response)
        {
            output.WriteLine($"peak managed heap growth during 50 MiB upload: {growth / 1024.0 / 1024.0:F1} MiB");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(TestData.Sha256(BodyBytes), await response.Content.ReadAsStringAsync());
            Assert.Equal(BodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Headers.GetValues("x-body-length").Single());
            Assert.True(growth < MaxHeapGrowth, $"managed heap grew {growth / 1024 / 1024} MiB while streaming a 50 MiB request body");
        }
    }

    [Fact]
    public async Task FiftyMiBResponseBody_IsStreamedToClient_WithBoundedMemory()
    {
        await using var upstream = HashOrStream();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority, timeoutMs: 30_000));
        using var client = gateway.CreateClient();
        using (var warm = await client.GetAsync("/prod/mock"))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        string hash;
        long received = 0;
        long growth;
        HttpStatusCode status;
        await using (var sampler = new HeapSampler())
        {
            using var response = await client.GetAsync("/prod/echo/download", HttpCompletionOption.ResponseHeadersRead);
            status = response.StatusCode;
            await using var body = await response.Content.ReadAsStreamAsync();
            using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[64 * 1024];
            int read;
            while ((read = await body.ReadAsync(buffer)) > 0)
            {
                sha.AppendData(buffer, 0, read);
                received += read;
            }

            hash = Convert.ToHexString(sha.GetHashAndReset());
            await sampler.DisposeAsync();
            growth = sampler.PeakGrowth;
        }

        output.WriteLine($"peak managed heap growth during 50 MiB download: {growth / 1024.0 / 1024.0:F1} MiB");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(BodyBytes, received);
        Assert.Equal(TestData.Sha256(BodyBytes), hash);
        Assert.True(growth < MaxHeapGrowth, $"managed heap grew {growth / 1024 / 1024} MiB while streaming a 50 MiB response body");
    }
}
