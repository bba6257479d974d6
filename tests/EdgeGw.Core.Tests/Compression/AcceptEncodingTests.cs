using System.Text;
using EdgeGw.Core.Compression;

namespace EdgeGw.Core.Tests.Compression;

public sealed class AcceptEncodingTests
{
    private static ContentCoding Negotiate(string value, bool brotli = true, bool gzip = true) =>
        AcceptEncoding.Negotiate(Encoding.ASCII.GetBytes(value), brotli, gzip);

    [Theory]
    [InlineData("gzip", ContentCoding.Gzip)]
    [InlineData("br", ContentCoding.Brotli)]
    [InlineData("gzip, deflate, br", ContentCoding.Brotli)] // a tie prefers br
    [InlineData("br, gzip", ContentCoding.Brotli)]
    [InlineData("GZIP", ContentCoding.Gzip)] // codings are case-insensitive
    [InlineData("x-gzip", ContentCoding.Gzip)] // RFC 9110: x-gzip is gzip
    [InlineData("br;q=0.5, gzip;q=0.8", ContentCoding.Gzip)]
    [InlineData("br;q=0.8, gzip;q=0.5", ContentCoding.Brotli)]
    [InlineData("gzip;q=1.0, br;q=0.999", ContentCoding.Gzip)]
    [InlineData("gzip;q=0.001", ContentCoding.Gzip)]
    [InlineData("gzip ; q=0.5 , br ; Q=0.4", ContentCoding.Gzip)] // OWS around ';' and a capital Q
    [InlineData("deflate", ContentCoding.Identity)]
    [InlineData("identity", ContentCoding.Identity)]
    [InlineData("", ContentCoding.Identity)] // empty: identity only
    [InlineData("*", ContentCoding.Brotli)]
    [InlineData("*;q=0.5, gzip", ContentCoding.Gzip)] // explicit beats *
    [InlineData("*, br;q=0", ContentCoding.Gzip)] // br refused explicitly, gzip by *
    [InlineData("*;q=0", ContentCoding.Identity)]
    [InlineData("gzip;q=0, br;q=0", ContentCoding.Identity)]
    [InlineData("identity;q=0", ContentCoding.Identity)] // no coding offered: identity anyway, never a 406
    [InlineData("identity;q=0, *", ContentCoding.Brotli)]
    [InlineData("identity;q=0, gzip;q=0.1", ContentCoding.Gzip)]
    [InlineData("gzip;q=0, gzip;q=0.5", ContentCoding.Gzip)] // repeated: the higher weight counts
    public void Chooses_by_weight_then_br(string value, ContentCoding expected) => Assert.Equal(expected, Negotiate(value));

    [Theory]
    [InlineData("gzip;q=x", ContentCoding.Identity)]
    [InlineData("gzip;q=1.5", ContentCoding.Identity)]
    [InlineData("gzip;q=1.001", ContentCoding.Identity)]
    [InlineData("gzip;q=0.1234", ContentCoding.Identity)] // at most three decimals
    [InlineData("gzip;q=", ContentCoding.Identity)]
    [InlineData("gzip;q", ContentCoding.Identity)]
    [InlineData("gzip;q=-1", ContentCoding.Identity)]
    [InlineData("gz ip", ContentCoding.Identity)]
    [InlineData("\"gzip\"", ContentCoding.Identity)]
    [InlineData("gzip;q=x, br", ContentCoding.Brotli)] // a bad element does not spoil the rest
    [InlineData(",,, gzip ,,", ContentCoding.Gzip)] // empty list elements are allowed
    [InlineData("gzip;level=1", ContentCoding.Gzip)] // unknown parameters are ignored
    [InlineData(";;;", ContentCoding.Identity)]
    [InlineData("\u00ff\u00fe", ContentCoding.Identity)]
    public void Ignores_malformed_elements(string value, ContentCoding expected) => Assert.Equal(expected, Negotiate(value));

    [Fact]
    public void Only_allowed_codings_are_chosen()
    {
        Assert.Equal(ContentCoding.Gzip, Negotiate("br, gzip;q=0.1", brotli: false));
        Assert.Equal(ContentCoding.Identity, Negotiate("br", brotli: false));
        Assert.Equal(ContentCoding.Brotli, Negotiate("*", gzip: false));
        Assert.Equal(ContentCoding.Identity, Negotiate("gzip", brotli: true, gzip: false));
    }

    [Fact]
    public void Repeated_headers_combine_and_no_header_means_identity()
    {
        var accept = new AcceptEncoding();
        Assert.Equal(ContentCoding.Identity, accept.Choose(true, true));
        accept.Add("gzip;q=0.5"u8);
        accept.Add("br;q=0.2"u8);
        Assert.Equal(ContentCoding.Gzip, accept.Choose(true, true));
        Assert.Equal(500, accept.Weight(ContentCoding.Gzip));
        Assert.Equal(200, accept.Weight(ContentCoding.Brotli));
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("1", 1000)]
    [InlineData("0.", 0)]
    [InlineData("0.5", 500)]
    [InlineData("0.05", 50)]
    [InlineData("0.125", 125)]
    [InlineData("1.000", 1000)]
    public void Parses_qvalues_in_thousandths(string text, int expected)
    {
        Assert.True(AcceptEncoding.TryParseWeight(Encoding.ASCII.GetBytes(text), out int weight));
        Assert.Equal(expected, weight);
    }

    [Fact]
    public void A_long_hostile_header_is_linear_and_harmless()
    {
        var value = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("a;b;c;q=0.5;=;,", 4000)) + "gzip");
        Assert.Equal(ContentCoding.Gzip, AcceptEncoding.Negotiate(value));
    }
}
