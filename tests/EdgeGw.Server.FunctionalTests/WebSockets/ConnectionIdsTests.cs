using System.Text;
using EdgeGw.Server.WebSockets;

namespace EdgeGw.Server.FunctionalTests.WebSockets;

/// <summary>Connection ids: AWS's shape, the owner's tag inside, percent-decoding as boto3 encodes them.</summary>
public sealed class ConnectionIdsTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(0xABCDEF)]
    [InlineData(0xFFFFFF)]
    public void New_HasAwsShape_AndCarriesTheTag(int tag)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < 200; i++)
        {
            string id = ConnectionIds.New(tag);
            Assert.Matches("^[A-Za-z0-9_-]{15}=$", id);
            Assert.True(ConnectionIds.TryReadTag(id, out int read));
            Assert.Equal(tag, read);
            Assert.True(seen.Add(id));
        }
    }

    [Fact]
    public void TagOf_IsTheInstanceIdsFirst24Bits()
    {
        Assert.Equal(0x0a1b2c, ConnectionIds.TagOf("0a1b2c3d4e5f"));
        Assert.Equal("0a1b2c", ConnectionIds.TagText(ConnectionIds.TagOf("0a1b2c3d4e5f")));
    }

    [Theory]
    [InlineData("AAAAAAAAAAAAAAAA")] // the previous shape: no padding
    [InlineData("AAAAAAAAAAAAAA=")]
    [InlineData("AAAAAAAAAAAAAAAA=")]
    [InlineData("A*AAAAAAAAAAAAA=")]
    [InlineData("")]
    public void TryReadTag_RefusesOtherShapes(string id) => Assert.False(ConnectionIds.TryReadTag(id, out _));

    [Theory]
    [InlineData("L0SM9cOFvHcCIhw%3D", "L0SM9cOFvHcCIhw=")]
    [InlineData("L0SM9cOFvHcCIhw%3d", "L0SM9cOFvHcCIhw=")]
    [InlineData("L0SM9cOFvHcCIhw=", "L0SM9cOFvHcCIhw=")]
    [InlineData("a%2Fb", "a/b")]
    public void Unescape_DecodesPercentEscapes(string raw, string expected)
    {
        Span<byte> decoded = stackalloc byte[64];
        int length = ConnectionIds.Unescape(Encoding.ASCII.GetBytes(raw), decoded);
        Assert.Equal(expected, Encoding.ASCII.GetString(decoded[..length]));
    }

    [Theory]
    [InlineData("abc%3")]
    [InlineData("abc%zz")]
    [InlineData("abc%")]
    public void Unescape_RefusesMalformedEscapes(string raw)
    {
        Span<byte> decoded = stackalloc byte[64];
        Assert.Equal(-1, ConnectionIds.Unescape(Encoding.ASCII.GetBytes(raw), decoded));
    }

    [Fact]
    public void Unescape_RefusesWhatDoesNotFit()
    {
        Span<byte> decoded = stackalloc byte[4];
        Assert.Equal(-1, ConnectionIds.Unescape("abcde"u8, decoded));
    }
}
