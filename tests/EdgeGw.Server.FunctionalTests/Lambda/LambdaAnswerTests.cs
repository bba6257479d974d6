using System.Text;
using EdgeGw.Server.Integrations;

namespace EdgeGw.Server.FunctionalTests.Lambda;

/// <summary>The decision part of the answer mapping: which function answers are proxy responses, and what they say.</summary>
public sealed class LambdaAnswerTests
{
    private static LambdaAnswer Parsed(string json, bool version2 = true)
    {
        var answer = new LambdaAnswer();
        Assert.True(answer.TryParse(Encoding.UTF8.GetBytes(json), version2), json);
        return answer;
    }

    private static bool Parses(string json, bool version2 = true)
    {
        var answer = new LambdaAnswer();
        return answer.TryParse(Encoding.UTF8.GetBytes(json), version2) && answer.HeadersAreValid();
    }

    [Fact]
    public void Base64Body_IsDecoded()
    {
        var answer = Parsed("""{"statusCode":200,"isBase64Encoded":true,"body":"AAEC/w=="}""");

        Assert.Equal(200, answer.StatusCode);
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, answer.Body.ToArray());
    }

    [Fact]
    public void EscapedBody_IsUnescaped()
    {
        var answer = Parsed("""{"statusCode":"201","body":"line\n\"quoted\" \u00e9"}""", version2: false);

        Assert.Equal(201, answer.StatusCode);
        Assert.Equal("line\n\"quoted\" é", Encoding.UTF8.GetString(answer.Body));
    }

    [Fact]
    public void NullsAndScalars_InHeaders_AreTaken()
    {
        Assert.True(Parses("""{"statusCode":200,"headers":{"x-n":3,"x-b":true,"x-null":null},"multiValueHeaders":null,"cookies":null,"body":null}"""));
    }

    [Theory]
    [InlineData("[1,2]", "[1,2]")]
    [InlineData("42", "42")]
    [InlineData("\"text\"", "text")]
    [InlineData("{\"message\":\"hi\"}", "{\"message\":\"hi\"}")]
    public void Version2_WithoutStatusCode_TheAnswerIsTheBody(string json, string body)
    {
        var answer = Parsed(json);

        Assert.Equal(200, answer.StatusCode);
        Assert.Equal(body, Encoding.UTF8.GetString(answer.Body));
    }

    [Theory]
    [InlineData("not json", true)]
    [InlineData("{\"statusCode\":200} trailing", true)]
    [InlineData("{\"statusCode\":200,\"body\":\"x\"", true)]
    [InlineData("{\"body\":\"no status\"}", false)]
    [InlineData("\"a string\"", false)]
    [InlineData("{\"statusCode\":99}", true)]
    [InlineData("{\"statusCode\":600}", true)]
    [InlineData("{\"statusCode\":200.5}", true)]
    [InlineData("{\"statusCode\":200,\"body\":{\"a\":1}}", true)]
    [InlineData("{\"statusCode\":200,\"isBase64Encoded\":true,\"body\":\"!!\"}", true)]
    [InlineData("{\"statusCode\":200,\"isBase64Encoded\":\"yes\"}", true)]
    [InlineData("{\"statusCode\":200,\"headers\":{\"bad name\":\"v\"}}", true)]
    [InlineData("{\"statusCode\":200,\"headers\":{\"x\":\"a\\r\\nInjected: 1\"}}", true)]
    [InlineData("{\"statusCode\":200,\"headers\":{\"x\":{\"nested\":1}}}", true)]
    [InlineData("{\"statusCode\":200,\"multiValueHeaders\":{\"x\":\"not a list\"}}", true)]
    [InlineData("{\"statusCode\":200,\"cookies\":[1]}", true)]
    public void Malformed_IsRefused(string json, bool version2) => Assert.False(Parses(json, version2));
}
