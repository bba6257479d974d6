using EdgeGw.Core.Configuration;
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
}
