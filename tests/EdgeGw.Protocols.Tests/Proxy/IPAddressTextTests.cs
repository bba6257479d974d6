using System.Net;
using System.Text;
using EdgeGw.Protocols.Infrastructure;

namespace EdgeGw.Protocols.Tests.Proxy;

public sealed class IPAddressTextTests
{
    [Theory]
    [InlineData("192.0.2.1", "192.0.2.1")]
    [InlineData("0.0.0.0", "0.0.0.0")]
    [InlineData("255.255.255.255", "255.255.255.255")]
    [InlineData("::", "::")]
    [InlineData("::1", "::1")]
    [InlineData("1::", "1::")]
    [InlineData("2001:DB8::1", "2001:db8::1")]
    [InlineData("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1")]
    [InlineData("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1")]
    [InlineData("2001:0:0:1:0:0:0:1", "2001:0:0:1::1")]
    [InlineData("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1")]
    [InlineData("::ffff:192.0.2.1", "192.0.2.1")]
    [InlineData("::ffff:c000:201", "192.0.2.1")]
    [InlineData("64:ff9b::192.0.2.33", "64:ff9b::c000:221")]
    [InlineData("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8")]
    [InlineData("fe80::1:2:3:4:5:6", "fe80:0:1:2:3:4:5:6")]
    public void Parse_ThenFormat_IsCanonical_AndAgreesWithIPAddress(string text, string canonical)
    {
        Assert.True(IPAddressText.TryParse(Encoding.ASCII.GetBytes(text), out var value));
        Assert.Equal(canonical, value.ToString());
        var parsed = IPAddress.Parse(text);
        Assert.Equal(IPAddressValue.From(parsed.IsIPv4MappedToIPv6 ? parsed.MapToIPv4() : parsed), value);
        var roundTrip = value.ToIPAddress();
        Assert.Equal(value, IPAddressValue.From(roundTrip));
    }

    [Theory]
    [InlineData("")]
    [InlineData("1.2.3")]
    [InlineData("1.2.3.4.5")]
    [InlineData("1.2.3.256")]
    [InlineData("01.2.3.4")]
    [InlineData("1.2.3.4 ")]
    [InlineData(" 1.2.3.4")]
    [InlineData("1..3.4")]
    [InlineData("1.2.3.")]
    [InlineData("a.b.c.d")]
    [InlineData(":")]
    [InlineData(":::")]
    [InlineData("1:2")]
    [InlineData("1::2::3")]
    [InlineData("12345::")]
    [InlineData("1:2:3:4:5:6:7:8:9")]
    [InlineData("1:2:3:4:5:6:7::8")]
    [InlineData(":1::")]
    [InlineData("1::2:")]
    [InlineData("g::")]
    [InlineData("::1.2.3")]
    [InlineData("1:2:3:4:5:6:7:1.2.3.4")]
    [InlineData("::1.2.3.4:5")]
    [InlineData("fe80::1%eth0")]
    [InlineData("[::1]")]
    public void Invalid_IsRefused(string text)
    {
        Assert.False(IPAddressText.TryParse(Encoding.ASCII.GetBytes(text), out _));
    }
}
