using System.Text;
using EdgeGw.Core.SourceIp;
using static EdgeGw.Core.Tests.Configuration.ConfigFixture;

namespace EdgeGw.Core.Tests.SourceIp;

public sealed class SourceIpPolicyTests
{
    private static bool Allows(string[] allow, string[] deny, string client) =>
        SourceIpPolicy.Create(allow, deny).Allows(Encoding.ASCII.GetBytes(client));

    [Theory]
    // /0: every IPv4 address (IPv4 blocks are IPv4-mapped), not IPv6 ones.
    [InlineData("0.0.0.0/0", "203.0.113.9", true)]
    [InlineData("0.0.0.0/0", "::ffff:203.0.113.9", true)]
    [InlineData("0.0.0.0/0", "2001:db8::1", false)]
    // ::/0: every address, IPv4 included.
    [InlineData("::/0", "2001:db8::1", true)]
    [InlineData("::/0", "10.0.0.1", true)]
    // /32 and /128: exactly one host.
    [InlineData("10.1.2.3/32", "10.1.2.3", true)]
    [InlineData("10.1.2.3/32", "10.1.2.4", false)]
    [InlineData("10.1.2.3", "10.1.2.3", true)]
    [InlineData("2001:db8::5/128", "2001:db8::5", true)]
    [InlineData("2001:db8::5/128", "2001:db8::6", false)]
    [InlineData("2001:db8::5/128", "2001:DB8:0:0:0:0:0:5", true)]
    // IPv4-mapped IPv6 client text matches IPv4 blocks, and ::ffff:0:0/96 blocks match IPv4 clients.
    [InlineData("10.0.0.0/8", "::ffff:10.9.8.7", true)]
    [InlineData("10.0.0.0/8", "::ffff:a09:807", true)]
    [InlineData("::ffff:10.0.0.0/104", "10.9.8.7", true)]
    [InlineData("::ffff:0:0/96", "192.0.2.1", true)]
    [InlineData("10.0.0.0/8", "11.0.0.1", false)]
    // Boundaries of a prefix.
    [InlineData("192.168.0.0/23", "192.168.1.255", true)]
    [InlineData("192.168.0.0/23", "192.168.2.0", false)]
    [InlineData("2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", true)]
    [InlineData("2001:db8::/32", "2001:db9::", false)]
    public void Allow_MatchesItsBlocks(string block, string client, bool allowed) =>
        Assert.Equal(allowed, Allows([block], [], client));

    [Fact]
    public void Deny_WinsOverAllow()
    {
        string[] allow = ["10.0.0.0/8"];
        string[] deny = ["10.1.2.3/32", "10.2.0.0/16"];
        Assert.True(Allows(allow, deny, "10.1.2.4"));
        Assert.False(Allows(allow, deny, "10.1.2.3"));
        Assert.False(Allows(allow, deny, "10.2.200.1"));
        Assert.False(Allows(allow, deny, "172.16.0.1"));
    }

    [Fact]
    public void DenyOnly_AllowsEveryoneElse()
    {
        Assert.True(Allows([], ["10.0.0.0/8"], "192.0.2.1"));
        Assert.False(Allows([], ["10.0.0.0/8"], "10.0.0.1"));
    }

    [Fact]
    public void ManyBlocksOfManyLengths_EachFoundByTheTable()
    {
        var blocks = new List<string>();
        for (int i = 0; i < 200; i++)
        {
            blocks.Add($"10.{i}.0.0/16");
            blocks.Add($"2001:db8:{i:x}::/48");
            blocks.Add($"192.168.{i}.7/32");
        }

        var policy = SourceIpPolicy.Create(blocks, []);
        for (int i = 0; i < 200; i++)
        {
            Assert.True(policy.Allows(Encoding.ASCII.GetBytes($"10.{i}.255.1")));
            Assert.True(policy.Allows(Encoding.ASCII.GetBytes($"2001:db8:{i:x}:1::1")));
            Assert.True(policy.Allows(Encoding.ASCII.GetBytes($"192.168.{i}.7")));
            Assert.False(policy.Allows(Encoding.ASCII.GetBytes($"192.168.{i}.8")));
        }

        Assert.False(policy.Allows("10.200.0.1"u8));
    }

    [Theory]
    [InlineData("")]
    [InlineData("unix:/run/x.sock")]
    [InlineData("10.0.0.256")]
    public void UnparsableClient_IsInNoBlock(string client)
    {
        Assert.False(Allows(["0.0.0.0/0", "::/0"], [], client));
        Assert.True(Allows([], ["0.0.0.0/0", "::/0"], client));
    }

    [Fact]
    public void RouteObject_ReplacesTheApis()
    {
        var model = Valid("""
            { "apis": [ { "name": "a", "sourceIp": { "allow": ["10.0.0.0/8"] }, "stages": [ { "name": "s" } ], "routes": [
                { "key": "GET /api", "integration": { "type": "mock" } },
                { "key": "GET /open", "sourceIp": { "deny": ["192.0.2.0/24"] }, "integration": { "type": "mock" } } ] } ] }
            """);
        var api = model.RouteList.Single(r => r.RouteKey == "GET /api").SourceIp!;
        var open = model.RouteList.Single(r => r.RouteKey == "GET /open").SourceIp!;
        Assert.True(api.Allows("10.0.0.1"u8));
        Assert.False(api.Allows("172.16.0.1"u8));
        Assert.True(open.Allows("172.16.0.1"u8));
        Assert.False(open.Allows("192.0.2.9"u8));
    }

    [Fact]
    public void BadBlocks_AreReportedWithTheirPaths()
    {
        var paths = ErrorPaths("""
            { "apis": [ { "name": "a", "sourceIp": { "allow": ["10.0.0.0/33", "10.1.2.3/8", "nope"], "deny": ["2001:db8::/129"], "extra": 1 },
              "stages": [ { "name": "s" } ], "routes": [ { "key": "GET /x", "sourceIp": { }, "integration": { "type": "mock" } } ] } ] }
            """);
        Assert.Contains("apis[0].sourceIp.allow[0]", paths);
        Assert.Contains("apis[0].sourceIp.allow[1]", paths);
        Assert.Contains("apis[0].sourceIp.allow[2]", paths);
        Assert.Contains("apis[0].sourceIp.deny[0]", paths);
        Assert.Contains("apis[0].sourceIp.extra", paths);
    }
}
