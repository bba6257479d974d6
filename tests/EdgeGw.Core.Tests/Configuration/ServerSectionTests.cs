using EdgeGw.Core.Configuration;
using EdgeGw.Core.Model;
using EdgeGw.Transport;

namespace EdgeGw.Core.Tests.Configuration;

public sealed class ServerSectionTests
{
    [Fact]
    public void Read_UnreadableListen_IsReportedOnce_AndTheDefaultStandsIn()
    {
        var section = new ServerSection();

        var errors = SectionFixture.Run(section, """{ "server": { "listen": "http://0.0.0.0:1" } }""");

        Assert.Equal(["server.listen"], SectionFixture.Paths(errors));
        Assert.Equal([new ListenConfig(ServerSection.DefaultListen, false)], section.Config.Listen.ToArray());
    }

    [Fact]
    public void Compile_TimeoutsBecomeTimeSpans_AndTheTransportIsParsed()
    {
        var section = new ServerSection();
        Assert.Empty(SectionFixture.Run(section, """{ "server": { "tunnelIdleTimeoutSeconds": 7, "transport": "SOCKETS", "limits": { "maxConnections": 3 } } }"""));

        var settings = section.Compile();

        Assert.Equal(TimeSpan.FromSeconds(7), settings.TunnelIdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(7200), settings.TunnelMaxLifetime);
        Assert.Equal(TransportKind.Sockets, settings.Transport);
        Assert.Equal(3, settings.Limits.MaxConnections);
        Assert.Equal(240, settings.Limits.MinBodyBytesPerSecond);
    }

    [Fact]
    public void SendTimeout_DefaultsTo60Seconds_AndIsCompiled()
    {
        var absent = new ServerSection();
        Assert.Empty(SectionFixture.Run(absent, """{ "server": { } }"""));
        var set = new ServerSection();
        Assert.Empty(SectionFixture.Run(set, """{ "server": { "sendTimeoutSeconds": 5 } }"""));

        Assert.Equal(TimeSpan.FromSeconds(60), absent.Compile().SendTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), set.Compile().SendTimeout);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3601)]
    public void SendTimeout_OutOfRange_IsAnErrorAtItsPath(int seconds)
    {
        var errors = SectionFixture.Run(new ServerSection(), $$"""{ "server": { "sendTimeoutSeconds": {{seconds}} } }""");

        Assert.Equal(["server.sendTimeoutSeconds"], SectionFixture.Paths(errors));
    }

    [Fact]
    public void Validate_UnknownTransport_IsExplained()
    {
        var errors = SectionFixture.Run(new ServerSection(), """{ "server": { "transport": "iouring" } }""");

        Assert.Equal(new Core.Infrastructure.ConfigError("server.transport", "'iouring' is not auto, epoll or sockets"), Assert.Single(errors));
    }

    [Fact]
    public void Listen_StringsAndObjects_CompileToEntries()
    {
        var section = new ServerSection();
        Assert.Empty(SectionFixture.Run(section, """
            { "server": { "listen": [
              "http://0.0.0.0:8080",
              { "url": "http://0.0.0.0:8081", "proxyProtocol": true },
              { "url": "http://[::]:8082", "proxyProtocol": true, "proxyProtocolTimeoutSeconds": 2 },
              { "url": "http://127.0.0.1:8083" } ] } }
            """));

        var listen = section.Compile().Listen;

        Assert.Equal(
            [
                new ListenEntry("http://0.0.0.0:8080", false, TimeSpan.FromSeconds(5)),
                new ListenEntry("http://0.0.0.0:8081", true, TimeSpan.FromSeconds(5)),
                new ListenEntry("http://[::]:8082", true, TimeSpan.FromSeconds(2)),
                new ListenEntry("http://127.0.0.1:8083", false, TimeSpan.FromSeconds(5)),
            ],
            listen.ToArray());
    }

    [Fact]
    public void Listen_BadEntries_AreAllReportedWithTheirPaths()
    {
        var errors = SectionFixture.Run(new ServerSection(), """
            { "server": { "listen": [
              "ftp://0.0.0.0:21",
              { "url": "ws://0.0.0.0:443" },
              { "proxyProtocol": true },
              { "url": "http://0.0.0.0:1", "proxyProtocolTimeoutSeconds": 3 },
              { "url": "http://0.0.0.0:2", "proxyProtocol": true, "proxyProtocolTimeoutSeconds": 0 },
              { "url": "http://0.0.0.0:3", "proxyProtocol": "yes", "proxy": true },
              { "url": "http://example.com:4" } ] } }
            """);

        Assert.Equal(
            [
                "server.listen[5].proxy", "server.listen[5].proxyProtocol",
                "server.listen[0]", "server.listen[1].url", "server.listen[2].url",
                "server.listen[3].proxyProtocolTimeoutSeconds", "server.listen[4].proxyProtocolTimeoutSeconds",
                "server.listen[6].url",
            ],
            SectionFixture.Paths(errors));
    }

    [Fact]
    public void TrustedProxies_AreValidatedWithPaths_AndCompiled()
    {
        var errors = SectionFixture.Run(new ServerSection(), """
            { "server": { "trustedProxies": [ "10.0.0.0/8", "10.1.2.3/8", "2001:db8::/129", "proxy.local", "192.0.2.7", "::1", "10.0.0.0/08", "1.2.3.4/" ] } }
            """);
        Assert.Equal(
            ["server.trustedProxies[1]", "server.trustedProxies[2]", "server.trustedProxies[3]", "server.trustedProxies[6]", "server.trustedProxies[7]"],
            SectionFixture.Paths(errors));
        Assert.Contains("did you mean 10.0.0.0/8?", errors[0].Message, StringComparison.Ordinal);

        var none = new ServerSection();
        Assert.Empty(SectionFixture.Run(none, """{ "server": { } }"""));
        Assert.Null(none.Compile().TrustedProxies);

        var some = new ServerSection();
        Assert.Empty(SectionFixture.Run(some, """{ "server": { "trustedProxies": [ "10.0.0.0/8", "2001:db8::/32" ] } }"""));
        Assert.Equal(["10.0.0.0/8", "2001:db8::/32"], some.Compile().TrustedProxies!.Networks.ToArray());
    }
}
