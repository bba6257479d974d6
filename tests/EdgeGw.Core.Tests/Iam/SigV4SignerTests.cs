using System.Buffers;
using System.Text;
using EdgeGw.Core.Iam;
using EdgeGw.Protocols.Buffers;

namespace EdgeGw.Core.Tests.Iam;

/// <summary>
/// The signer against the verifier it shares its canonicalisation with (botocore checks it independently in the
/// functional tests): what it signs verifies, and a changed byte does not.
/// </summary>
public sealed class SigV4SignerTests
{
    private const string Secret = "signer-secret-key-0123456789";
    private static readonly DateTimeOffset At = new(2026, 12, 3, 12, 34, 56, TimeSpan.Zero);

    private static string Signed(string? token, string path, string body)
    {
        var credential = new SigV4SigningCredential("AKIDSIGNER", Secret, token, "eu-west-1", "lambda");
        using var signer = new SigV4Signer();
        var output = new ArrayBufferWriter<byte>();
        var writer = new BufferWriter<ArrayBufferWriter<byte>>(output);
        signer.WriteHeaders(ref writer, credential, "POST"u8, Encoding.ASCII.GetBytes(path), "lambda.eu-west-1.amazonaws.com"u8, "application/json"u8,
            Encoding.UTF8.GetBytes(body), At);
        writer.Commit();
        return Encoding.ASCII.GetString(output.WrittenSpan).Replace("\r\n", "\n");
    }

    private static SigV4Status Verify(string headerLines, string path, string body)
    {
        var request = SigV4Request.Parse($"POST {path} HTTP/1.1\nHost:lambda.eu-west-1.amazonaws.com\nContent-Type:application/json\n{headerLines.Replace(": ", ":")}\n{body}");
        using var verifier = new SigV4Verifier();
        var settings = new IamSettings("eu-west-1", "lambda", [("AKIDSIGNER", Secret, "arn:aws:iam::123456789012:user/signer")]);
        return verifier.Verify(settings, request.Head, request.Headers, request.Method, request.Path, request.Query, request.Body, At.ToUnixTimeSeconds());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("session-token/with+chars=")]
    public void WhatItSigns_Verifies_AndATamperedBodyDoesNot(string? token)
    {
        const string path = "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aeu-west-1%3A123456789012%3Afunction%3Apets/invocations";
        string lines = Signed(token, path, """{"a":1}""");

        Assert.Contains("X-Amz-Date: 20261203T123456Z\n", lines);
        Assert.Contains("Credential=AKIDSIGNER/20261203/eu-west-1/lambda/aws4_request", lines);
        Assert.Equal(token is not null, lines.Contains("X-Amz-Security-Token: ", StringComparison.Ordinal));
        Assert.Equal(SigV4Status.Verified, Verify(lines, path, """{"a":1}"""));
        Assert.NotEqual(SigV4Status.Verified, Verify(lines, path, """{"a":2}"""));
        Assert.NotEqual(SigV4Status.Verified, Verify(lines, path.Replace("pets", "cats"), """{"a":1}"""));
    }
}
