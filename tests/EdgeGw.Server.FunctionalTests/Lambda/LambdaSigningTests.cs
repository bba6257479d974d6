using System.Buffers;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using EdgeGw.Core.Iam;
using EdgeGw.Protocols.Buffers;
using EdgeGw.Server.FunctionalTests.Iam;
using EdgeGw.Server.FunctionalTests.Infrastructure;

namespace EdgeGw.Server.FunctionalTests.Lambda;

/// <summary>
/// The SigV4 signature of a Lambda invoke checked against botocore's signer (an implementation that is not ours)
/// on a fixed clock: the signer alone, with and without a session token, and the gateway's own invoke of a
/// function given by ARN with credentials from a shared-credentials profile, re-signed by botocore from what the
/// Invoke-API endpoint received.
/// </summary>
public sealed class LambdaSigningTests
{
    private const string AccessKey = "AKIDLAMBDAEXAMPLE";
    private const string Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYLAMBDAKEY";
    private const string Token = "FQoGZXIvYXdzEPT//////////wEaDLambdaSessionToken+/=";
    private const string Target = "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Apets/invocations";

    [BotocoreFact]
    public async Task Signer_MatchesBotocore_OnAFixedClock_WithoutSessionToken() => await SignerMatchesAsync(token: null);

    [BotocoreFact]
    public async Task Signer_MatchesBotocore_OnAFixedClock_WithSessionToken() => await SignerMatchesAsync(Token);

    private static async Task SignerMatchesAsync(string? token)
    {
        var at = new DateTimeOffset(2026, 12, 3, 12, 34, 56, TimeSpan.Zero);
        string body = """{"version":"2.0","routeKey":"GET /pets","rawPath":"/prod/pets","body":"héllo wörld"}""";
        var credential = new SigV4SigningCredential(AccessKey, Secret, token, "us-east-1", "lambda");
        using var signer = new SigV4Signer();
        var output = new ArrayBufferWriter<byte>();
        var writer = new BufferWriter<ArrayBufferWriter<byte>>(output);
        signer.WriteHeaders(ref writer, credential, "POST"u8, Encoding.ASCII.GetBytes(Target), "lambda.us-east-1.amazonaws.com"u8, "application/json"u8,
            Encoding.UTF8.GetBytes(body), at);
        writer.Commit();
        var ours = Lines(Encoding.ASCII.GetString(output.WrittenSpan));

        var botocore = await Botocore.SignAsync("POST", "https://lambda.us-east-1.amazonaws.com" + Target, AccessKey, Secret, service: "lambda", body: body,
            headers: new Dictionary<string, string> { ["Content-Type"] = "application/json" }, token: token, atUnixSeconds: at.ToUnixTimeSeconds());

        Assert.Equal("20261203T123456Z", ours["X-Amz-Date"]);
        Assert.Equal(Header(botocore, "X-Amz-Date"), ours["X-Amz-Date"]);
        Assert.Equal(Header(botocore, "Authorization"), ours["Authorization"]);
        if (token is null)
        {
            Assert.False(ours.ContainsKey("X-Amz-Security-Token"));
        }
        else
        {
            Assert.Equal(Header(botocore, "X-Amz-Security-Token"), ours["X-Amz-Security-Token"]);
        }
    }

    [BotocoreAndNodeFact]
    public async Task Gateway_SignsItsInvoke_AsBotocoreSignsTheSameRequest()
    {
        // Credentials from a shared-credentials profile (the file named as the AWS SDKs read it).
        string file = Path.Combine(Path.GetTempPath(), $"edgegw-lambda-credentials-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(file, $"[other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = other\n\n[edgegw-lambda-test]\naws_access_key_id = {AccessKey}\naws_secret_access_key = {Secret}\naws_session_token = {Token}\n");
        // Read when the gateway's config loads (below), so restored in the finally for the rest of the run.
        string? previous = Environment.GetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE");
        Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", file);
        try
        {
            await using var shim = await InvokeShim.StartAsync();
            await using var gateway = await TestGateway.StartAsync($$"""
                {
                  "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 2 },
                  "apis": [ { "name": "pets", "stages": [ { "name": "prod" } ],
                    "routes": [ { "key": "GET /signed/echo", "integration": { "type": "lambda",
                      "function": "arn:aws:lambda:eu-central-1:123456789012:function:pets", "endpoint": "{{shim.Url}}", "profile": "edgegw-lambda-test" } } ] } ]
                }
                """);
            using var client = gateway.CreateClient();

            using var response = await client.GetAsync("/prod/signed/echo");

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var document = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync());
            var invoke = document.RootElement.GetProperty("invoke");
            var headers = invoke.GetProperty("headers");
            string amzDate = headers.GetProperty("x-amz-date").GetString()!;
            var signedAt = DateTimeOffset.ParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal);
            string received = Encoding.UTF8.GetString(Convert.FromBase64String(invoke.GetProperty("bodyBase64").GetString()!));
            string host = headers.GetProperty("host").GetString()!;

            var botocore = await Botocore.SignAsync("POST", $"http://{host}{invoke.GetProperty("target").GetString()}", AccessKey, Secret, region: "eu-central-1",
                service: "lambda", body: received, headers: new Dictionary<string, string> { ["Content-Type"] = "application/json" }, token: Token,
                atUnixSeconds: signedAt.ToUnixTimeSeconds());

            Assert.Equal(Header(botocore, "Authorization"), headers.GetProperty("authorization").GetString());
            Assert.Equal(Token, headers.GetProperty("x-amz-security-token").GetString());
            Assert.StartsWith($"AWS4-HMAC-SHA256 Credential={AccessKey}/{amzDate[..8]}/eu-central-1/lambda/aws4_request, ", headers.GetProperty("authorization").GetString());
        }
        finally
        {
            Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", previous);
            File.Delete(file);
        }
    }

    [BotocoreAndNodeFact]
    public async Task Gateway_SignsALambdaAuthorizersInvoke_AsBotocoreSignsTheSameRequest()
    {
        // In this class (not beside the authorizer tests): its tests run one at a time, and both set the process's credentials file.
        string file = Path.Combine(Path.GetTempPath(), $"edgegw-lambda-authz-credentials-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(file, $"[edgegw-authz-test]\naws_access_key_id = {AccessKey}\naws_secret_access_key = {Secret}\n");
        string? previous = Environment.GetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE");
        Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", file);
        try
        {
            await using var shim = await InvokeShim.StartAsync("authorizer.js");
            await using var backend = UpstreamServer.StartPerRequest((context, request) => context.RespondAsync(200,
                string.Join("\n", request.Header("x-edgegw-authorizer-authorization"), request.Header("x-edgegw-authorizer-amzdate"),
                    request.Header("x-edgegw-authorizer-host"), request.Header("x-edgegw-authorizer-target"), request.Header("x-edgegw-authorizer-body"))));
            await using var gateway = await TestGateway.StartAsync($$"""
                {
                  "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 2 },
                  "clusters": [ { "name": "up", "destinations": ["{{backend.Authority}}"] } ],
                  "apis": [ { "name": "pets", "stages": [ { "name": "prod" } ],
                    "authorizers": [ { "name": "fn", "type": "request", "identitySource": "$request.header.X-Token", "enableSimpleResponses": true,
                      "integration": { "type": "lambda", "function": "arn:aws:lambda:ap-southeast-2:123456789012:function:auth", "endpoint": "{{shim.Url}}", "profile": "edgegw-authz-test" } } ],
                    "routes": [ { "key": "GET /signed", "authorizer": "fn", "integration": { "type": "http", "cluster": "up" } } ] } ]
                }
                """);
            using var client = gateway.CreateClient();
            using var request = new HttpRequestMessage(HttpMethod.Get, "/prod/signed");
            request.Headers.TryAddWithoutValidation("X-Token", "signed");

            using var response = await client.SendAsync(request);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            string[] seen = (await response.Content.ReadAsStringAsync()).Split('\n');
            string authorization = seen[0], amzDate = seen[1], host = seen[2], target = seen[3];
            string body = Encoding.UTF8.GetString(Convert.FromBase64String(seen[4]));
            Assert.Equal("/2015-03-31/functions/auth/invocations", target);
            Assert.Equal("REQUEST", JsonDocument.Parse(body).RootElement.GetProperty("type").GetString());
            var signedAt = DateTimeOffset.ParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal);

            var botocore = await Botocore.SignAsync("POST", $"http://{host}{target}", AccessKey, Secret, region: "ap-southeast-2",
                service: "lambda", body: body, headers: new Dictionary<string, string> { ["Content-Type"] = "application/json" },
                atUnixSeconds: signedAt.ToUnixTimeSeconds());

            Assert.Equal(Header(botocore, "Authorization"), authorization);
            Assert.StartsWith($"AWS4-HMAC-SHA256 Credential={AccessKey}/{amzDate[..8]}/ap-southeast-2/lambda/aws4_request, ", authorization);
        }
        finally
        {
            Environment.SetEnvironmentVariable("AWS_SHARED_CREDENTIALS_FILE", previous);
            File.Delete(file);
        }
    }

    private static Dictionary<string, string> Lines(string text)
    {
        var lines = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string line in text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
        {
            int colon = line.IndexOf(':');
            lines[line[..colon]] = line[(colon + 1)..].Trim();
        }

        return lines;
    }

    private static string Header(SignedRequest request, string name) =>
        request.Headers.First(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}

/// <summary>A fact that needs both botocore and node (the Invoke-API shim); skipped with a message where one is missing.</summary>
public sealed class BotocoreAndNodeFactAttribute : FactAttribute
{
    public BotocoreAndNodeFactAttribute()
    {
        if (!Botocore.Available)
        {
            Skip = "python3 with botocore is not installed (.ci/run installs python3-botocore with apt-get)";
        }
        else if (InvokeShim.MissingMessage is { } missing)
        {
            Skip = missing;
        }
    }
}

/// <summary>An AWS_IAM route with a Lambda integration: the verified caller is in the event's <c>requestContext.authorizer</c>.</summary>
public sealed class LambdaAuthorizerTests
{
    private const string KeyId = "AKIDLAMBDACALLER01";
    private const string Secret = "lambda-caller-secret-0123456789abcdef";
    private const string Principal = "arn:aws:iam::123456789012:user/lambda-caller";

    [BotocoreAndNodeFact]
    public async Task IamCaller_IsInTheEventsAuthorizer_ForBothPayloadFormats()
    {
        string secretFile = Path.Combine(Path.GetTempPath(), $"edgegw-lambda-iam-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(secretFile, Secret);
        try
        {
            await using var shim = await InvokeShim.StartAsync();
            await using var gateway = await TestGateway.StartAsync($$"""
                {
                  "server": { "listen": ["http://127.0.0.1:0"], "drainTimeoutSeconds": 2 },
                  "iam": { "region": "us-east-1",
                           "credentials": [ { "accessKeyId": "{{KeyId}}", "secretAccessKeyFile": {{JsonSerializer.Serialize(secretFile)}}, "principal": "{{Principal}}" } ] },
                  "apis": [ { "name": "pets", "stages": [ { "name": "prod" } ],
                    "routes": [
                      { "key": "GET /v2/echo", "authorizationType": "AWS_IAM", "integration": { "type": "lambda", "function": "{{shim.Url}}" } },
                      { "key": "GET /v1/echo", "authorizationType": "AWS_IAM", "integration": { "type": "lambda", "function": "{{shim.Url}}", "payloadFormatVersion": "1.0" } } ] } ]
                }
                """);

            foreach (string version in (string[])["v2", "v1"])
            {
                var signed = await Botocore.SignAsync("GET", $"http://127.0.0.1:{gateway.Port}/prod/{version}/echo", KeyId, Secret);
                await using var raw = await gateway.ConnectRawAsync();
                var request = new StringBuilder($"GET {signed.Target} HTTP/1.1\r\n");
                foreach (var (name, value) in signed.Headers)
                {
                    request.Append(name).Append(": ").Append(value).Append("\r\n");
                }

                if (!signed.Headers.Any(h => h.Key.Equals("host", StringComparison.OrdinalIgnoreCase)))
                {
                    // botocore signed the URL's authority as the Host.
                    request.Append("Host: 127.0.0.1:").Append(gateway.Port).Append("\r\n");
                }

                await raw.SendAsync(request.Append("\r\n").ToString());
                var response = await raw.ReadResponseAsync();

                Assert.True(response.Status == 200, response.ToString());
                using var document = JsonDocument.Parse(response.Body);
                var context = document.RootElement.GetProperty("event").GetProperty("requestContext");
                if (version == "v2")
                {
                    var iam = context.GetProperty("authorizer").GetProperty("iam");
                    Assert.Equal(KeyId, iam.GetProperty("accessKey").GetString());
                    Assert.Equal(Principal, iam.GetProperty("userArn").GetString());
                }
                else
                {
                    Assert.Equal(KeyId, context.GetProperty("identity").GetProperty("accessKey").GetString());
                    Assert.Equal(Principal, context.GetProperty("identity").GetProperty("userArn").GetString());
                    Assert.Equal(Principal, context.GetProperty("authorizer").GetProperty("principalId").GetString());
                }
            }
        }
        finally
        {
            File.Delete(secretFile);
        }
    }
}
