using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using EdgeGw.Server.FunctionalTests.Infrastructure;
using static EdgeGw.Server.FunctionalTests.Admin.StatusAdminTests;

namespace EdgeGw.Server.FunctionalTests.Admin;

/// <summary><c>admin.tokenFile</c>: with a token, every admin request needs <c>Authorization: Bearer &lt;token&gt;</c>.</summary>
public sealed class AdminTokenTests : IDisposable
{
    private const string Token = "s3cret-admin-token-0123456789";
    private readonly string _tokenFile = Path.Combine(Path.GetTempPath(), $"edgegw-admin-token-{Guid.NewGuid():N}");

    public AdminTokenTests() => File.WriteAllText(_tokenFile, $"  {Token}\n", new UTF8Encoding(false));

    public void Dispose() => File.Delete(_tokenFile);

    [Theory]
    [InlineData("/health")]
    [InlineData("/config")]
    [InlineData("/metrics")]
    [InlineData("/apikeys")]
    public async Task WithoutToken_Is401WithBearerChallenge(string path)
    {
        await using var gateway = await StartAsync();
        using var admin = gateway.CreateAdminClient();

        using var response = await admin.GetAsync(path);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        Assert.Contains("admin token", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Bearer", "s3cret-admin-token-012345678")]
    [InlineData("Bearer", "s3cret-admin-token-0123456789x")]
    [InlineData("Basic", Token)]
    public async Task WrongToken_Is401(string scheme, string token)
    {
        await using var gateway = await StartAsync();
        using var admin = gateway.CreateAdminClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(scheme, token);

        using var response = await admin.GetAsync("/ready");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
    }

    [Fact]
    public async Task RightToken_Is200_OnEveryEndpoint()
    {
        await using var gateway = await StartAsync();
        using var admin = gateway.CreateAdminClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        foreach (string path in new[] { "/health", "/ready", "/config", "/routes", "/clusters", "/metrics", "/apikeys" })
        {
            using var response = await admin.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode}");
        }

        using var config = await admin.GetAsync("/config");
        string body = await config.Content.ReadAsStringAsync();
        Assert.DoesNotContain(Token, body, StringComparison.Ordinal);
        Assert.Contains(_tokenFile, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Push_WithoutToken_Is401_NotServedOnTheFastPath()
    {
        await using var gateway = await StartAsync();
        using var admin = gateway.CreateAdminClient();

        using var response = await admin.PostAsync("/@connections/abc", new ByteArrayContent("hello"u8.ToArray()));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task TwoAuthorizationHeaders_Are401_AndTheConnectionCloses()
    {
        await using var gateway = await StartAsync();
        await using var raw = await RawClient.ConnectAsync(gateway.AdminPort);

        await raw.SendAsync($"GET /health HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer {Token}\r\nAuthorization: Bearer wrong-token-0123456789\r\n\r\n");
        var response = await raw.ReadResponseAsync();

        Assert.Equal(401, response.Status);
        Assert.Equal("Bearer realm=\"edgegw-admin\"", response.Header("WWW-Authenticate"));
        Assert.True(await raw.IsClosedByServerAsync());
    }

    [Fact]
    public async Task RightToken_KeepsTheConnection_ForTheNextRequest()
    {
        await using var gateway = await StartAsync();
        await using var raw = await RawClient.ConnectAsync(gateway.AdminPort);

        await raw.SendAsync($"HEAD /health HTTP/1.1\r\nHost: a\r\nAuthorization: bearer {Token}\r\n\r\n");
        var first = await raw.ReadResponseAsync(headRequest: true);
        await raw.SendAsync($"GET /health HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer {Token}\r\n\r\n");
        var second = await raw.ReadResponseAsync();

        Assert.Equal(200, first.Status);
        Assert.Equal(200, second.Status);
        Assert.Equal("""{"status":"ok"}""", second.BodyText);
    }

    [Fact]
    public async Task Reload_WithARotatedToken_AcceptsOnlyTheNewOne()
    {
        const string rotated = "rotated-admin-token-abcdefghij";
        await using var gateway = await StartAsync();
        using var admin = gateway.CreateAdminClient();
        File.WriteAllText(_tokenFile, rotated);
        gateway.Runtime.Swap(TestGateway.BuildModel(Config("127.0.0.1:1", DeadPort(), admin: $"\"tokenFile\": {System.Text.Json.JsonSerializer.Serialize(_tokenFile)}")));

        using var old = new HttpRequestMessage(HttpMethod.Get, "/health") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", Token) } };
        using var current = new HttpRequestMessage(HttpMethod.Get, "/health") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", rotated) } };

        Assert.Equal(HttpStatusCode.Unauthorized, (await admin.SendAsync(old)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.SendAsync(current)).StatusCode);
    }

    [Fact]
    public async Task NoTokenFile_NeedsNoAuthorization()
    {
        await using var upstream = Upstreams.Echo();
        await using var gateway = await TestGateway.StartAsync(Config(upstream.Authority, DeadPort()));
        using var admin = gateway.CreateAdminClient();

        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/health")).StatusCode);
    }

    private Task<TestGateway> StartAsync() =>
        TestGateway.StartAsync(Config("127.0.0.1:1", DeadPort(), admin: $"\"tokenFile\": {System.Text.Json.JsonSerializer.Serialize(_tokenFile)}"));
}
