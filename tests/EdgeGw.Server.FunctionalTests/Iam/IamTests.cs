using System.Collections.Concurrent;
using System.Text;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Iam;

/// <summary>
/// <c>authorizationType: "AWS_IAM"</c> through the real gateway, requests signed by botocore (header and presigned
/// forms) and by <c>curl --aws-sigv4</c>: verified ones reach the backend with the caller's identity headers,
/// tampered, stale, mis-scoped or unknown ones get AWS's 403 and never reach it.
/// </summary>
public sealed class IamTests : IAsyncLifetime
{
    private const string KeyId = "AKIAIOSFODNN7EXAMPLE";
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string Principal = "arn:aws:iam::123456789012:user/ci";
    private const string Mismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

    private readonly ConcurrentQueue<UpstreamRequest> _seen = new();
    private readonly string _secretFile = Path.GetTempFileName();
    private UpstreamServer _backend = null!;
    private TestGateway _gateway = null!;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(_secretFile, Secret + "\n");
        _backend = UpstreamServer.StartPerRequest((context, request) =>
        {
            _seen.Enqueue(request);
            return context.RespondAsync(200, "backend:" + Encoding.UTF8.GetString(request.Body ?? []));
        });
        _gateway = await TestGateway.StartAsync($$"""
            {
              "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 2 },
              "iam": { "region": "us-east-1",
                       "credentials": [ { "accessKeyId": "{{KeyId}}", "secretAccessKeyFile": "{{_secretFile}}", "principal": "{{Principal}}" } ] },
              "clusters": [ { "name": "up", "destinations": ["{{_backend.Authority}}"] } ],
              "apis": [ { "name": "pets", "stages": [ { "name": "prod" } ],
                  "routes": [
                    { "key": "ANY /pets/{proxy+}", "authorizationType": "AWS_IAM", "integration": { "type": "http", "cluster": "up" } },
                    { "key": "GET /open", "integration": { "type": "http", "cluster": "up" } } ] } ]
            }
            """);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _backend.DisposeAsync();
        File.Delete(_secretFile);
    }

    private string Url(string pathAndQuery) => $"http://127.0.0.1:{_gateway.Port}{pathAndQuery}";

    private async Task<RawResponse> SendAsync(string method, SignedRequest signed, string body = "", Func<string, string>? tamper = null, string extraHeaders = "")
    {
        var text = new StringBuilder($"{method} {signed.Target} HTTP/1.1\r\n");
        foreach (var (name, value) in signed.Headers)
        {
            text.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        if (!signed.Headers.Any(h => h.Key.Equals("host", StringComparison.OrdinalIgnoreCase)))
        {
            text.Append("Host: 127.0.0.1:").Append(_gateway.Port).Append("\r\n");
        }

        if (body.Length > 0 && !signed.Headers.Any(h => h.Key.Equals("content-length", StringComparison.OrdinalIgnoreCase)))
        {
            text.Append("Content-Length: ").Append(Encoding.UTF8.GetByteCount(body)).Append("\r\n");
        }

        text.Append(extraHeaders).Append("\r\n").Append(body);
        string request = tamper is null ? text.ToString() : tamper(text.ToString());
        await using var client = await _gateway.ConnectRawAsync();
        await client.SendAsync(Encoding.UTF8.GetBytes(request));
        return await client.ReadResponseAsync();
    }

    private static void AssertRefused(RawResponse response, string message)
    {
        Assert.Equal(403, response.Status);
        Assert.Equal("application/json", response.Header("content-type"));
        Assert.Equal($$"""{"message":"{{message}}"}""", response.BodyText);
    }

    [BotocoreFact]
    public async Task HeaderForm_Verified_ReachesTheBackend_WithTheCallersIdentity()
    {
        var signed = await Botocore.SignAsync("GET", Url("/prod/pets/1?b=2&a=1%20x"), KeyId, Secret, token: "session-token-1");
        var response = await SendAsync("GET", signed, extraHeaders: "X-EdgeGw-Authorizer-User-Arn: arn:aws:iam::000000000000:user/forged\r\n");

        Assert.True(response.Status == 200, response.ToString());
        var seen = Assert.Single(_seen);
        Assert.Equal(Principal, seen.Header("x-edgegw-authorizer-user-arn"));
        Assert.Equal(Principal, seen.Header("x-edgegw-authorizer-principal-id"));
        Assert.Equal(KeyId, seen.Header("x-edgegw-authorizer-access-key"));
        Assert.Single(seen.Head.GetAll("x-edgegw-authorizer-user-arn"));
        // The session token goes on to the backend (EdgeGw does not check it: its credentials are static).
        Assert.Equal("session-token-1", seen.Header("x-amz-security-token"));
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=" + KeyId, seen.Header("authorization"));
    }

    [BotocoreFact]
    public async Task PresignedForm_Verified_ReachesTheBackend()
    {
        var signed = await Botocore.SignAsync("GET", Url("/prod/pets/a%20b/c?x=1"), KeyId, Secret, presign: true, token: "tok");
        Assert.Contains("X-Amz-Signature=", signed.Url);
        var response = await SendAsync("GET", signed);

        Assert.True(response.Status == 200, response.ToString());
        var seen = Assert.Single(_seen);
        Assert.Equal(Principal, seen.Header("x-edgegw-authorizer-user-arn"));
        Assert.Contains("X-Amz-Security-Token=tok", seen.Query);
    }

    [BotocoreFact]
    public async Task PostWithBody_PayloadHashComputedByTheGateway_Verifies()
    {
        const string body = """{"name":"rex"}""";
        var signed = await Botocore.SignAsync("POST", Url("/prod/pets/new"), KeyId, Secret, body: body, headers: new Dictionary<string, string> { ["Content-Type"] = "application/json" });
        var response = await SendAsync("POST", signed, body);

        Assert.True(response.Status == 200, response.ToString());
        Assert.Equal("backend:" + body, response.BodyText);
    }

    [BotocoreFact]
    public async Task PostWithExpectContinue_Verifies()
    {
        string body = new('x', 5000);
        var signed = await Botocore.SignAsync("PUT", Url("/prod/pets/big"), KeyId, Secret, body: body);
        await using var client = await _gateway.ConnectRawAsync();
        var head = new StringBuilder($"PUT {signed.Target} HTTP/1.1\r\nHost: 127.0.0.1:{_gateway.Port}\r\nExpect: 100-continue\r\n");
        foreach (var (name, value) in signed.Headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        await client.SendAsync(head.Append("\r\n").ToString());
        var interim = await client.ReadResponseAsync();
        Assert.Equal(100, interim.Status);
        await client.SendAsync(body);
        var response = await client.ReadResponseAsync();
        Assert.True(response.Status == 200, response.ToString());
        Assert.Equal(body.Length, Assert.Single(_seen).BodyLength);
    }

    [BotocoreFact]
    public async Task Tampered_PathQueryHeaderOrBody_IsRefused_AndNothingReachesTheBackend()
    {
        var get = await Botocore.SignAsync("GET", Url("/prod/pets/1?a=1"), KeyId, Secret, headers: new Dictionary<string, string> { ["X-Custom"] = "one" });
        AssertRefused(await SendAsync("GET", get, tamper: r => r.Replace("/prod/pets/1?", "/prod/pets/2?")), Mismatch);
        AssertRefused(await SendAsync("GET", get, tamper: r => r.Replace("?a=1", "?a=2")), Mismatch);
        AssertRefused(await SendAsync("GET", get, tamper: r => r.Replace("X-Custom: one", "X-Custom: two")), Mismatch);

        var post = await Botocore.SignAsync("POST", Url("/prod/pets/new"), KeyId, Secret, body: "abc");
        AssertRefused(await SendAsync("POST", post, "abd"), Mismatch);
        Assert.Empty(_seen);
    }

    [BotocoreFact]
    public async Task StaleDate_IsRefusedWithAwsExpiredMessage()
    {
        var signed = await Botocore.SignAsync("GET", Url("/prod/pets/1"), KeyId, Secret, offsetSeconds: -600);
        var response = await SendAsync("GET", signed);

        Assert.Equal(403, response.Status);
        Assert.Matches("""^\{"message":"Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)"\}$""", response.BodyText);
        Assert.Equal("InvalidSignatureException", response.Header("x-amzn-errortype"));
        Assert.Empty(_seen);
    }

    [BotocoreFact]
    public async Task WrongRegion_WrongService_UnknownKey_WrongSecret_AreRefused()
    {
        AssertRefused(await SendAsync("GET", await Botocore.SignAsync("GET", Url("/prod/pets/1"), KeyId, Secret, region: "eu-west-1")),
            "Credential should be scoped to a valid region, not 'eu-west-1'.");
        AssertRefused(await SendAsync("GET", await Botocore.SignAsync("GET", Url("/prod/pets/1"), KeyId, Secret, service: "s3")),
            "Credential should be scoped to correct service: 'execute-api'.");
        var unknown = await SendAsync("GET", await Botocore.SignAsync("GET", Url("/prod/pets/1"), "AKIAUNKNOWNEXAMPLE00", Secret));
        AssertRefused(unknown, "The security token included in the request is invalid.");
        Assert.Equal("UnrecognizedClientException", unknown.Header("x-amzn-errortype"));
        AssertRefused(await SendAsync("GET", await Botocore.SignAsync("GET", Url("/prod/pets/1"), KeyId, "not-the-secret-0123456789")), Mismatch);
        Assert.Empty(_seen);
    }

    [Fact]
    public async Task Unsigned_IsMissingAuthenticationToken_AndOpenRoutesPayNothing()
    {
        await using var client = await _gateway.ConnectRawAsync();
        await client.SendAsync("GET /prod/pets/1 HTTP/1.1\r\nHost: gw\r\n\r\n");
        var response = await client.ReadResponseAsync();
        AssertRefused(response, "Missing Authentication Token");
        Assert.Equal("MissingAuthenticationTokenException", response.Header("x-amzn-errortype"));

        await client.SendAsync("GET /prod/open HTTP/1.1\r\nHost: gw\r\nX-EdgeGw-Authorizer-User-Arn: not-checked-here\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync()).Status);
        Assert.Null(Assert.Single(_seen).Header("x-edgegw-authorizer-access-key"));
    }

    [BotocoreFact]
    public async Task Identity_IsPerRequest_NotPerConnection()
    {
        var signed = await Botocore.SignAsync("GET", $"http://gw/prod/pets/1", KeyId, Secret);
        var text = new StringBuilder($"GET {signed.Target} HTTP/1.1\r\nHost: gw\r\n");
        foreach (var (name, value) in signed.Headers)
        {
            text.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        await using var client = await _gateway.ConnectRawAsync();
        await client.SendAsync(text.Append("\r\n").ToString());
        Assert.Equal(200, (await client.ReadResponseAsync()).Status);
        await client.SendAsync("GET /prod/open HTTP/1.1\r\nHost: gw\r\nX-EdgeGw-Authorizer-Access-Key: forged\r\n\r\n");
        Assert.Equal(200, (await client.ReadResponseAsync()).Status);

        var requests = _seen.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.Equal(KeyId, requests[0].Header("x-edgegw-authorizer-access-key"));
        // The open route's request carries no identity of the previous one, and no client-sent copy either: on an API
        // with AWS_IAM routes the identity headers are the gateway's alone, on every route (as for authorizers).
        Assert.Null(requests[1].Header("x-edgegw-authorizer-user-arn"));
        Assert.Null(requests[1].Header("x-edgegw-authorizer-access-key"));
    }

    [Fact]
    public async Task StreamingPayload_IsRefusedWithAClearMessage()
    {
        await using var client = await _gateway.ConnectRawAsync();
        string date = DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        await client.SendAsync($"PUT /prod/pets/1 HTTP/1.1\r\nHost: gw\r\nX-Amz-Date: {date}\r\nX-Amz-Content-Sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD\r\n" +
            $"Authorization: AWS4-HMAC-SHA256 Credential={KeyId}/{date[..8]}/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature={new string('0', 64)}\r\n" +
            "Content-Length: 3\r\n\r\nabc");
        var response = await client.ReadResponseAsync();
        Assert.Equal(403, response.Status);
        Assert.Contains("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", response.BodyText);
        Assert.Empty(_seen);
    }

    [CurlFact]
    public async Task CurlAwsSigV4_GetAndPost_Verify()
    {
        string get = await Curl.RunAsync("-s", "--aws-sigv4", "aws:amz:us-east-1:execute-api", "--user", $"{KeyId}:{Secret}", Url("/prod/pets/7?q=a"));
        Assert.Equal("backend:", get);
        string post = await Curl.RunAsync("-s", "--aws-sigv4", "aws:amz:us-east-1:execute-api", "--user", $"{KeyId}:{Secret}", "-H", "Content-Type: application/json",
            "--data", """{"a":1}""", Url("/prod/pets/new"));
        Assert.Equal("""backend:{"a":1}""", post);
        string wrong = await Curl.RunAsync("-s", "--aws-sigv4", "aws:amz:us-east-1:execute-api", "--user", $"{KeyId}:wrong-secret-0123456789", Url("/prod/pets/7"));
        Assert.Equal($$"""{"message":"{{Mismatch}}"}""", wrong);
        Assert.Equal(2, _seen.Count);
    }
}
