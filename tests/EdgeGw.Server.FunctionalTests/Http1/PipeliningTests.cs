using System.Globalization;
using System.Text;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Http1;

public sealed class PipeliningTests
{
    [Fact]
    public async Task TenPipelinedRequests_MixedMockAndProxied_AreAnsweredInOrder()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        await using var raw = await gateway.ConnectRawAsync();
        var batch = new StringBuilder();
        for (int i = 0; i < 10; i++)
        {
            batch.Append(i % 3 == 1 ? "GET /prod/mock HTTP/1.1\r\nHost: gw\r\n\r\n" : $"GET /prod/echo/p{i}?i={i} HTTP/1.1\r\nHost: gw\r\n\r\n");
        }

        await raw.SendAsync(batch.ToString());
        var ids = new HashSet<string>();
        for (int i = 0; i < 10; i++)
        {
            var response = await raw.ReadResponseAsync();
            Assert.Equal(200, response.Status);
            Assert.True(ids.Add(response.Header("X-Request-Id")!));
            if (i % 3 == 1)
            {
                Assert.Equal("hi", response.BodyText);
                Assert.Null(response.Header("x-echo-path"));
            }
            else
            {
                Assert.Equal($"/v1/p{i}", response.Header("x-echo-path"));
                Assert.Equal($"?i={i}", response.Header("x-echo-query"));
            }
        }

        Assert.Equal(1, upstream.AcceptedConnections);
    }

    [Fact]
    public async Task PipelinedPostsWithBodies_AreAnsweredInOrder()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        await using var raw = await gateway.ConnectRawAsync();
        var batch = new StringBuilder();
        for (int i = 0; i < 5; i++)
        {
            string body = $"body-{i}";
            batch.Append(CultureInfo.InvariantCulture, $"POST /prod/echo/b{i} HTTP/1.1\r\nHost: gw\r\nContent-Length: {body.Length}\r\n\r\n{body}");
            batch.Append("POST /prod/echo/c HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
        }

        await raw.SendAsync(batch.ToString());
        for (int i = 0; i < 5; i++)
        {
            var fixedLength = await raw.ReadResponseAsync();
            var chunked = await raw.ReadResponseAsync();
            Assert.Equal($"body-{i}", fixedLength.BodyText);
            Assert.Equal($"/v1/b{i}", fixedLength.Header("x-echo-path"));
            Assert.Equal("abc", chunked.BodyText);
        }
    }
}
