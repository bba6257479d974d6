using System.Globalization;
using System.Text;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeGw.Server.FunctionalTests.Reliability;

/// <summary>
/// Request/response desync is impossible: random batches of pipelined requests — methods, Content-Length and
/// chunked bodies of random sizes, mock and proxied routes mixed — each carrying its own id, must come back
/// in order, each answer echoing its own request's id and body. Any mix-up means one client's response went
/// to another request.
/// </summary>
public sealed class DesyncPropertyTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RandomPipelinedBatches_EachResponseMatchesItsRequest()
    {
        const int Connections = 40;
        const int PerConnection = 50;
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        var random = new Random(20261125);
        int checkedResponses = 0;

        // Connections run two at a time so the test stays bounded on a 2-core machine.
        var seeds = Enumerable.Range(0, Connections).Select(_ => random.Next()).ToArray();
        await Parallel.ForEachAsync(seeds, new ParallelOptions { MaxDegreeOfParallelism = 2 }, async (seed, _) =>
        {
            var rng = new Random(seed);
            await using var raw = await gateway.ConnectRawAsync();
            int sent = 0;
            while (sent < PerConnection)
            {
                int batch = Math.Min(PerConnection - sent, 1 + rng.Next(8));
                var wire = new MemoryStream();
                var expected = new List<(string Id, bool Mock, byte[] Body, string Method)>();
                for (int i = 0; i < batch; i++)
                {
                    string id = $"{seed:x}-{sent + i}";
                    var request = NextRequest(rng, id);
                    wire.Write(request.Wire);
                    expected.Add((id, request.Mock, request.Body, request.Method));
                }

                await raw.SendAsync(wire.ToArray());
                foreach (var (id, mock, body, method) in expected)
                {
                    var response = await raw.ReadResponseAsync(headRequest: method == "HEAD");
                    Assert.Equal(200, response.Status);
                    Assert.Equal(id, response.Header("X-Request-Id"));
                    if (!mock)
                    {
                        Assert.Equal($"/v1/{id}", response.Header("x-echo-path"));
                        Assert.Equal(method, response.Header("x-echo-method"));
                        if (method != "HEAD")
                        {
                            Assert.Equal(body, response.Body);
                        }
                    }
                    else if (method != "HEAD")
                    {
                        Assert.Equal("hi", response.BodyText);
                    }

                    Interlocked.Increment(ref checkedResponses);
                }

                sent += batch;
            }
        });

        output.WriteLine($"{checkedResponses} pipelined responses matched their requests over {Connections} connections");
        Assert.Equal(Connections * PerConnection, checkedResponses);
    }

    private static (byte[] Wire, bool Mock, byte[] Body, string Method) NextRequest(Random rng, string id)
    {
        bool mock = rng.Next(5) == 0;
        string method = mock ? (rng.Next(4) == 0 ? "HEAD" : "GET") : new[] { "GET", "POST", "PUT", "HEAD", "DELETE" }[rng.Next(5)];
        bool hasBody = method is "POST" or "PUT";
        var body = new byte[hasBody ? rng.Next(0, 5000) : 0];
        for (int i = 0; i < body.Length; i++)
        {
            body[i] = (byte)('a' + rng.Next(26));
        }

        string path = mock ? "/prod/mock" : $"/prod/echo/{id}";
        var head = new StringBuilder().Append(CultureInfo.InvariantCulture, $"{method} {path} HTTP/1.1\r\nHost: gw\r\nX-Request-Id: {id}\r\n");
        var wire = new MemoryStream();
        if (hasBody && rng.Next(2) == 0)
        {
            head.Append("Transfer-Encoding: chunked\r\n\r\n");
            wire.Write(Encoding.ASCII.GetBytes(head.ToString()));
            int offset = 0;
            while (offset < body.Length)
            {
                int size = Math.Min(body.Length - offset, 1 + rng.Next(1500));
                wire.Write(Encoding.ASCII.GetBytes(size.ToString("x", CultureInfo.InvariantCulture) + (rng.Next(4) == 0 ? ";ext=1" : "") + "\r\n"));
                wire.Write(body, offset, size);
                wire.Write("\r\n"u8);
                offset += size;
            }

            wire.Write("0\r\n\r\n"u8);
        }
        else
        {
            if (hasBody)
            {
                head.Append(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n");
            }

            head.Append("\r\n");
            wire.Write(Encoding.ASCII.GetBytes(head.ToString()));
            wire.Write(body);
        }

        return (wire.ToArray(), mock, body, method);
    }
}
