using System.Net;
using System.Net.Http;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Upstream;

public sealed class ConnectionReuseTests
{
    [Fact]
    public async Task FiftySequentialKeepAliveRequests_UseOneUpstreamConnection()
    {
        await using var upstream = Upstreams.Counting();
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        using var client = gateway.CreateClient();

        for (int i = 0; i < 50; i++)
        {
            using var response = await client.GetAsync($"/prod/plain/r{i}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("ok", await response.Content.ReadAsStringAsync());
        }

        var destination = gateway.Runtime.Upstreams.Find(upstream.Authority);
        Assert.NotNull(destination);
        Assert.Equal(50, upstream.RequestsSeen);
        Assert.Equal(1, upstream.AcceptedConnections);
        Assert.Equal(1, destination.OpenedConnections);
        Assert.Equal(1, destination.OpenConnections);
        Assert.Equal(1, destination.IdleConnections);
        Assert.Equal(0, destination.LeasedConnections);
    }

    [Fact]
    public async Task UpstreamClosesIdleKeepAliveConnection_NextGetSucceedsOnANewConnection()
    {
        // Answers one request per connection (without saying Connection: close), then hangs up.
        await using var upstream = UpstreamServer.Start(async context =>
        {
            var request = await context.ReadRequestAsync();
            if (request is not null)
            {
                await Upstreams.EchoAsync(context, request);
            }
        });
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        using var client = gateway.CreateClient();

        using var first = await client.GetAsync("/prod/echo/1");
        using var second = await client.GetAsync("/prod/echo/2");
        using var third = await client.GetAsync("/prod/echo/3");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
        Assert.Equal("/v1/3", third.Headers.GetValues("x-echo-path").Single());
        Assert.Equal(3, upstream.AcceptedConnections);
    }

    /// <summary>The race a pool check cannot see: the upstream reads the request, then closes without answering.</summary>
    [Fact]
    public async Task ReusedConnectionClosedAfterRequest_IdempotentGetIsRetriedOnNewConnection()
    {
        await using var upstream = UpstreamServer.Start(async context =>
        {
            if (context.Index == 1)
            {
                var request = await context.ReadRequestAsync();
                await Upstreams.EchoAsync(context, request!);
                await context.ReadRequestAsync();
                return; // closes without an answer
            }

            while (await context.ReadRequestAsync() is { } next)
            {
                await Upstreams.EchoAsync(context, next);
            }
        });
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        using var client = gateway.CreateClient();

        using var first = await client.GetAsync("/prod/echo/1");
        using var second = await client.GetAsync("/prod/echo/2");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("2", second.Headers.GetValues("x-echo-connection-index").Single());
        Assert.Equal(2, upstream.AcceptedConnections);
        Assert.Equal(2, gateway.Runtime.Upstreams.Find(upstream.Authority)!.OpenedConnections);
    }

    [Fact]
    public async Task ReusedConnectionClosedAfterRequest_PostIsNotRetried()
    {
        await using var upstream = UpstreamServer.Start(async context =>
        {
            if (context.Index == 1)
            {
                var request = await context.ReadRequestAsync();
                await Upstreams.EchoAsync(context, request!);
                await context.ReadRequestAsync();
                return;
            }

            while (await context.ReadRequestAsync() is { } next)
            {
                await Upstreams.EchoAsync(context, next);
            }
        });
        await using var gateway = await TestGateway.StartAsync(GatewayConfigs.Standard(upstream.Authority));
        using var client = gateway.CreateClient();

        using var first = await client.GetAsync("/prod/echo/1");
        using var post = await client.PostAsync("/prod/echo/2", new StringContent("x"));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.BadGateway, post.StatusCode);
        Assert.Equal(2, upstream.RequestsSeen);
        Assert.Equal(1, upstream.AcceptedConnections);
    }
}
