using EdgeGw.Core.Configuration;

namespace EdgeGw.Core.Tests.Configuration;

public sealed class AdminSectionTests
{
    [Fact]
    public void Validate_RemoteListener_NeedsAllowRemote()
    {
        Assert.Equal(["admin.listen[0]"], SectionFixture.Paths(SectionFixture.Run(new AdminSection(), """{ "admin": { "listen": ["http://0.0.0.0:9901"] } }""")));

        var allowed = new AdminSection();
        Assert.Empty(SectionFixture.Run(allowed, """{ "admin": { "listen": ["http://0.0.0.0:9901"], "allowRemote": true } }"""));
        Assert.Equal(["http://0.0.0.0:9901"], allowed.Compile().Listen.ToArray());
    }

    [Fact]
    public void Compile_Absent_ListensOnLoopback()
    {
        var section = new AdminSection();
        Assert.Empty(SectionFixture.Run(section, "{}"));

        Assert.Equal([AdminSection.DefaultListen], section.Compile().Listen.ToArray());
    }
}
