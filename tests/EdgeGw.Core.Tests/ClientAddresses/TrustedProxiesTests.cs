using System.Net;
using EdgeGw.Core.ClientAddresses;
using EdgeGw.Protocols.Infrastructure;

namespace EdgeGw.Core.Tests.ClientAddresses;

public sealed class TrustedProxiesTests
{
    [Theory]
    [InlineData("10.0.0.0/8", "10.255.1.2", true)]
    [InlineData("10.0.0.0/8", "11.0.0.1", false)]
    [InlineData("10.0.0.0/8", "::ffff:10.1.2.3", true)]
    [InlineData("192.0.2.9", "192.0.2.9", true)]
    [InlineData("192.0.2.9", "192.0.2.8", false)]
    [InlineData("0.0.0.0/0", "203.0.113.1", true)]
    [InlineData("0.0.0.0/0", "2001:db8::1", false)]
    [InlineData("::/0", "2001:db8::1", true)]
    [InlineData("::/0", "203.0.113.1", true)]
    [InlineData("2001:db8::/32", "2001:db8:ffff::1", true)]
    [InlineData("2001:db8::/32", "2001:db9::1", false)]
    [InlineData("::ffff:0:0/96", "198.51.100.7", true)]
    [InlineData("fd00::/8", "fd12:3456::1", true)]
    [InlineData("172.16.0.0/12", "172.31.255.255", true)]
    [InlineData("172.16.0.0/12", "172.32.0.0", false)]
    public void Contains_MatchesThePrefix(string network, string address, bool expected)
    {
        var parsed = IPAddress.Parse(address);
        var value = IPAddressValue.From(parsed.IsIPv4MappedToIPv6 ? parsed.MapToIPv4() : parsed);
        Assert.Equal(expected, TrustedProxies.Create([network]).Contains(value));
    }
}
