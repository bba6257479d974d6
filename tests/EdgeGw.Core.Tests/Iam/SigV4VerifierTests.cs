using System.Buffers;
using System.Text;
using System.Text.Json;
using EdgeGw.Core.Iam;

namespace EdgeGw.Core.Tests.Iam;

/// <summary>AWS's SigV4 test suite (Iam/TestSuite, see its NOTICE) through the verifier, and what a verifier must refuse.</summary>
public sealed class SigV4VerifierTests
{
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string Principal = "arn:aws:iam::123456789012:user/test";
    // The suite's timestamp, 2015-08-30T12:36:00Z.
    private static readonly long SuiteTime = new DateTimeOffset(2015, 8, 30, 12, 36, 0, TimeSpan.Zero).ToUnixTimeSeconds();

    private static string SuiteDirectory => Path.Combine(AppContext.BaseDirectory, "Iam", "TestSuite");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (string directory in Directory.GetDirectories(SuiteDirectory).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(directory));
        }

        return data;
    }

    private static IamSettings Settings(string region = "us-east-1", string service = "service", string accessKey = "AKIDEXAMPLE") =>
        new(region, service, [(accessKey, Secret, Principal)]);

    private static string Read(string name, string file) => File.ReadAllText(Path.Combine(SuiteDirectory, name, file));

    private static SigV4Status Verify(SigV4Request request, IamSettings settings, long now, SigV4Verifier? verifier = null, ArrayBufferWriter<byte>? capture = null)
    {
        using var owned = verifier is null ? new SigV4Verifier() : null;
        var v = verifier ?? owned!;
        v.Capture = capture;
        return v.Verify(settings, request.Head, request.Headers, request.Method, request.Path, request.Query, request.Body, now);
    }

    [Fact]
    public void Suite_HasTheCasesItNeeds()
    {
        var present = Directory.GetDirectories(SuiteDirectory).Select(d => Path.GetFileName(d)).ToList();
        foreach (string name in (string[])["get-vanilla", "get-vanilla-query-order-key-case", "get-utf8", "get-space-normalized", "get-relative-relative-normalized", "post-x-www-form-urlencoded"])
        {
            Assert.Contains(name, present);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void HeaderForm_SuiteCase_VerifiesWithAwsCanonicalRequest(string name)
    {
        var request = SigV4Request.Parse(Read(name, "header-signed-request.txt"));
        var capture = new ArrayBufferWriter<byte>();
        var status = Verify(request, Settings(), SuiteTime, capture: capture);
        Assert.Equal(Read(name, "header-canonical-request.txt").TrimEnd('\n'), Encoding.UTF8.GetString(capture.WrittenSpan));
        Assert.Equal(SigV4Status.Verified, status);
    }

    /// <summary>
    /// All but post-sts-header-after, whose signer adds X-Amz-Security-Token to the URL after signing (STS's old
    /// style), which the canonical query of get-vanilla-with-session-token includes: a verifier can honour only one.
    /// </summary>
    public static TheoryData<string> QueryCases()
    {
        var data = new TheoryData<string>();
        foreach (string directory in Directory.GetDirectories(SuiteDirectory).Order(StringComparer.Ordinal))
        {
            if (Path.GetFileName(directory) != "post-sts-header-after")
            {
                data.Add(Path.GetFileName(directory));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(QueryCases))]
    public void QueryForm_SuiteCase_VerifiesWithAwsCanonicalRequest(string name)
    {
        var request = SigV4Request.Parse(Read(name, "query-signed-request.txt"));
        var capture = new ArrayBufferWriter<byte>();
        var status = Verify(request, Settings(), SuiteTime, capture: capture);
        Assert.Equal(Read(name, "query-canonical-request.txt").TrimEnd('\n'), Encoding.UTF8.GetString(capture.WrittenSpan));
        Assert.Equal(SigV4Status.Verified, status);
    }

    [Fact]
    public void Suite_ContextMatchesTheSettingsUsed()
    {
        using var context = JsonDocument.Parse(Read("get-vanilla", "context.json"));
        var root = context.RootElement;
        Assert.Equal(Secret, root.GetProperty("credentials").GetProperty("secret_access_key").GetString());
        Assert.Equal("AKIDEXAMPLE", root.GetProperty("credentials").GetProperty("access_key_id").GetString());
        Assert.Equal("2015-08-30T12:36:00Z", root.GetProperty("timestamp").GetString());
    }

    [Theory]
    [InlineData("GET /?Param2=value2&Param1=value1 HTTP/1.1", "GET /?Param2=value3&Param1=value1 HTTP/1.1")]
    [InlineData("GET /?Param2=value2&Param1=value1 HTTP/1.1", "GET /x?Param2=value2&Param1=value1 HTTP/1.1")]
    [InlineData("GET /?Param2=value2&Param1=value1 HTTP/1.1", "POST /?Param2=value2&Param1=value1 HTTP/1.1")]
    [InlineData("Host:example.amazonaws.com", "Host:example.amazonaws.com.evil.test")]
    [InlineData("Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500", "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2501")]
    public void Tampered_Request_IsASignatureMismatch(string original, string tampered)
    {
        string text = Read("get-vanilla-query-order-key-case", "header-signed-request.txt");
        Assert.Equal(SigV4Status.Verified, Verify(SigV4Request.Parse(text), Settings(), SuiteTime));
        Assert.Contains(original, text);
        Assert.Equal(SigV4Status.SignatureMismatch, Verify(SigV4Request.Parse(text.Replace(original, tampered)), Settings(), SuiteTime));
    }

    [Fact]
    public void TamperedBody_WithClaimedHash_IsAPayloadHashMismatch()
    {
        string text = Read("post-x-www-form-urlencoded", "header-signed-request.txt");
        Assert.Equal(SigV4Status.PayloadHashMismatch, Verify(SigV4Request.Parse(text.Replace("Param1=value1", "Param1=value2")), Settings(), SuiteTime));
    }

    [Fact]
    public void TamperedBody_WithComputedHash_IsASignatureMismatch()
    {
        string text = Read("post-x-www-form-urlencoded", "query-signed-request.txt");
        Assert.Equal(SigV4Status.SignatureMismatch, Verify(SigV4Request.Parse(text.Replace("Param1=value1", "Param1=value2")), Settings(), SuiteTime));
    }

    [Fact]
    public void UnsignedPayload_LeavesTheBodyOut()
    {
        // The canonical request carries UNSIGNED-PAYLOAD: with the header added (and signed) the body is not checked.
        var request = SigV4Request.Parse(Read("post-vanilla", "header-signed-request.txt").Replace("X-Amz-Date:", "x-amz-content-sha256:UNSIGNED-PAYLOAD\nX-Amz-Date:"));
        var capture = new ArrayBufferWriter<byte>();
        Assert.Equal(SigV4Status.SignatureMismatch, Verify(request, Settings(), SuiteTime, capture: capture));
        Assert.EndsWith("\nUNSIGNED-PAYLOAD", Encoding.UTF8.GetString(capture.WrittenSpan));
    }

    [Fact]
    public void StaleDate_IsExpired_WithAwsMessage()
    {
        using var verifier = new SigV4Verifier();
        var request = SigV4Request.Parse(Read("get-vanilla", "header-signed-request.txt"));
        Assert.Equal(SigV4Status.Verified, Verify(request, Settings(), SuiteTime + 300, verifier));
        Assert.Equal(SigV4Status.Expired, Verify(request, Settings(), SuiteTime + 301, verifier));
        Assert.Equal("Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T124101Z - 5 min.)", Encoding.ASCII.GetString(verifier.MessageFor(SigV4Status.Expired)));
        Assert.Equal(SigV4Status.NotYetCurrent, Verify(request, Settings(), SuiteTime - 301, verifier));
        Assert.StartsWith("Signature not yet current: 20150830T123600Z is still later than", Encoding.ASCII.GetString(verifier.MessageFor(SigV4Status.NotYetCurrent)));
    }

    [Fact]
    public void Presigned_PastItsExpiry_IsRefused()
    {
        var request = SigV4Request.Parse(Read("get-vanilla", "query-signed-request.txt"));
        Assert.Equal(SigV4Status.Verified, Verify(request, Settings(), SuiteTime + 3600));
        Assert.Equal(SigV4Status.PresignedExpired, Verify(request, Settings(), SuiteTime + 3601));
    }

    [Fact]
    public void WrongRegion_WrongService_UnknownKey_AreRefused()
    {
        var request = SigV4Request.Parse(Read("get-vanilla", "header-signed-request.txt"));
        using var verifier = new SigV4Verifier();
        Assert.Equal(SigV4Status.WrongRegion, Verify(request, Settings(region: "eu-west-1"), SuiteTime, verifier));
        Assert.Equal("Credential should be scoped to a valid region, not 'us-east-1'.", Encoding.ASCII.GetString(verifier.MessageFor(SigV4Status.WrongRegion)));
        Assert.Equal(SigV4Status.WrongService, Verify(request, Settings(service: "execute-api"), SuiteTime, verifier));
        Assert.Equal("Credential should be scoped to correct service: 'execute-api'.", Encoding.ASCII.GetString(verifier.MessageFor(SigV4Status.WrongService)));
        Assert.Equal(SigV4Status.UnknownAccessKey, Verify(request, Settings(accessKey: "AKIDOTHEREXAMPLE"), SuiteTime, verifier));
        Assert.Equal("The security token included in the request is invalid.", Encoding.ASCII.GetString(verifier.MessageFor(SigV4Status.UnknownAccessKey)));
    }

    [Fact]
    public void WrongSecret_IsASignatureMismatch()
    {
        var request = SigV4Request.Parse(Read("get-vanilla", "header-signed-request.txt"));
        var settings = new IamSettings("us-east-1", "service", [("AKIDEXAMPLE", Secret + "x", Principal)]);
        Assert.Equal(SigV4Status.SignatureMismatch, Verify(request, settings, SuiteTime));
    }

    [Theory]
    [InlineData("Authorization:AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31", "", SigV4Status.Missing)]
    [InlineData("Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ", "", SigV4Status.IncompleteHeader)]
    [InlineData("AWS4-HMAC-SHA256 ", "AWS4-HMAC-SHA512 ", SigV4Status.UnsupportedAlgorithm)]
    [InlineData("AWS4-HMAC-SHA256 Credential", "Bearer xyz Credential", SigV4Status.IncompleteHeader)]
    [InlineData("/20150830/", "/20150831/", SigV4Status.ScopeDateMismatch)]
    [InlineData("/aws4_request", "/aws5_request", SigV4Status.WrongTerminator)]
    [InlineData("AKIDEXAMPLE/20150830/us-east-1/service/", "AKIDEXAMPLE/20150830/us-east-1/", SigV4Status.MalformedCredential)]
    [InlineData("SignedHeaders=host;x-amz-date", "SignedHeaders=x-amz-date", SigV4Status.HostNotSigned)]
    [InlineData("X-Amz-Date:20150830T123600Z", "X-Amz-Date:2015-08-30", SigV4Status.MissingDate)]
    [InlineData("X-Amz-Date:20150830T123600Z", "X-Amz-Content-Sha256:STREAMING-AWS4-HMAC-SHA256-PAYLOAD\nX-Amz-Date:20150830T123600Z", SigV4Status.StreamingPayload)]
    [InlineData("X-Amz-Date:20150830T123600Z", "X-Amz-Content-Sha256:abc\nX-Amz-Date:20150830T123600Z", SigV4Status.InvalidPayloadHash)]
    public void Malformed_HeaderForm_IsRefused(string original, string replacement, SigV4Status expected)
    {
        string text = Read("get-vanilla", "header-signed-request.txt");
        Assert.Contains(original, text);
        Assert.Equal(expected, Verify(SigV4Request.Parse(text.Replace(original, replacement)), Settings(), SuiteTime));
    }

    [Theory]
    [InlineData("&X-Amz-Signature=", "&X-Amz-Other=")]
    [InlineData("&X-Amz-Expires=3600", "")]
    [InlineData("&X-Amz-Expires=3600", "&X-Amz-Expires=604801")]
    [InlineData("X-Amz-Date=20150830T123600Z", "X-Amz-Date=yesterday")]
    public void Malformed_Presigned_IsIncomplete(string original, string replacement)
    {
        string text = Read("get-vanilla", "query-signed-request.txt");
        Assert.Contains(original, text);
        Assert.Equal(SigV4Status.IncompleteQuery, Verify(SigV4Request.Parse(text.Replace(original, replacement)), Settings(), SuiteTime));
    }

    [Fact]
    public void DateHeader_StandsInForXAmzDate()
    {
        // Signed with x-amz-date; the same instant as an RFC 1123 Date header (signed under the name "date") verifies.
        var request = SigV4Request.Parse(Read("get-vanilla", "header-signed-request.txt").Replace("X-Amz-Date:20150830T123600Z", "Date:Sun, 30 Aug 2015 12:36:00 GMT"));
        var capture = new ArrayBufferWriter<byte>();
        Assert.Equal(SigV4Status.SignatureMismatch, Verify(request, Settings(), SuiteTime, capture: capture));
        // The date itself was accepted: the mismatch comes from the signed header list naming x-amz-date.
        Assert.Contains("x-amz-date:\n", Encoding.UTF8.GetString(capture.WrittenSpan));
    }

    [Fact]
    public void Verify_AfterWarmUp_AllocatesNothing()
    {
        var request = SigV4Request.Parse(Read("get-vanilla-query-order-key-case", "header-signed-request.txt"));
        var settings = Settings();
        using var verifier = new SigV4Verifier();
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(SigV4Status.Verified, Verify(request, settings, SuiteTime, verifier));
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            verifier.Verify(settings, request.Head, request.Headers, request.Method, request.Path, request.Query, request.Body, SuiteTime);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Credential_IsTheCallerIdentity()
    {
        var request = SigV4Request.Parse(Read("get-vanilla", "header-signed-request.txt"));
        using var verifier = new SigV4Verifier();
        Assert.Equal(SigV4Status.Verified, Verify(request, Settings(), SuiteTime, verifier));
        var credential = verifier.Credential!;
        Assert.Equal(Principal, Encoding.ASCII.GetString(credential.UserArn));
        Assert.Equal(Principal, Encoding.ASCII.GetString(credential.PrincipalId));
        Assert.Equal("AKIDEXAMPLE", Encoding.ASCII.GetString(credential.AccessKey));
        Assert.Equal(
            $"X-EdgeGw-Authorizer-Principal-Id: {Principal}\r\nX-EdgeGw-Authorizer-User-Arn: {Principal}\r\nX-EdgeGw-Authorizer-Access-Key: AKIDEXAMPLE\r\n",
            Encoding.ASCII.GetString(credential.ForwardedHeaderLines));
        Assert.DoesNotContain(Secret, credential.ToString());
    }
}
