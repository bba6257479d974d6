using System.Net;
using System.Net.Http;
using System.Text;

namespace EdgeGw.Server.FunctionalTests.Infrastructure;

/// <summary>The test servers and raw client against each other and against HttpClient, no gateway involved.</summary>
public sealed class InfrastructureSelfTests
{
    [Fact]
    public async Task EchoUpstream_AnswersHttpClient_WithPathQueryAndBody()
    {
        await using var upstream = Upstreams.Echo();
        using var client = new System.Net.Http.HttpClient { BaseAddress = new Uri($"http://{upstream.Authority}") };

        using var response = await client.PostAsync("/a/b?c=d", new StringContent("body"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/a/b", response.Headers.GetValues("x-echo-path").Single());
        Assert.Equal("?c=d", response.Headers.GetValues("x-echo-query").Single());
        Assert.Equal("body", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, upstream.AcceptedConnections);
    }

    [Fact]
    public async Task RawClient_ReadsPipelinedChunkedAndCloseDelimitedResponses()
    {
        await using var chunked = Upstreams.Chunked("ab", "cd");
        await using (var raw = await RawClient.ConnectAsync(chunked.Port))
        {
            await raw.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\nPOST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n");
            Assert.Equal("abcd", (await raw.ReadResponseAsync()).BodyText);
            Assert.Equal("abcd", (await raw.ReadResponseAsync()).BodyText);
        }

        Assert.Equal("hi", Encoding.ASCII.GetString(chunked.Requests.Last().Body!));
        await using var closeDelimited = Upstreams.CloseDelimited("to the end");
        await using var raw2 = await RawClient.ConnectAsync(closeDelimited.Port);
        await raw2.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal("to the end", (await raw2.ReadResponseAsync()).BodyText);
        Assert.True(await raw2.IsClosedByServerAsync());
    }

    [Fact]
    public async Task MalformedUpstream_SignalsWhenPeerCloses()
    {
        var closed = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = Upstreams.Malformed(closed);
        var raw = await RawClient.ConnectAsync(upstream.Port);
        await raw.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        await upstream.WaitForRequestsAsync(1);
        await raw.DisposeAsync();

        Assert.True(await closed.Task.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task LargeBodyUpstream_StreamsDeterministicBytes()
    {
        await using var upstream = Upstreams.LargeBody(3 * 1024 * 1024 + 17);
        using var client = new System.Net.Http.HttpClient();
        var bytes = await client.GetByteArrayAsync($"http://{upstream.Authority}/");

        Assert.Equal(3 * 1024 * 1024 + 17, bytes.Length);
        Assert.Equal(TestData.Sha256(bytes.Length), Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes)));
    }

    [Fact]
    public async Task RefusedPort_RefusesConnections()
    {
        int port = Upstreams.RefusedPort();
        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => RawClient.ConnectAsync(port));
    }

    [Fact]
    public async Task UnansweredListener_ConnectNeitherCompletesNorFails()
    {
        using var listener = await Upstreams.Unanswered();
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, listener.Port), wait.Token).AsTask());
    }
}
