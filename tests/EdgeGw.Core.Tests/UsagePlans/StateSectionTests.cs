using EdgeGw.Core.Model;
using EdgeGw.Core.Tests.Configuration;
using EdgeGw.Core.UsagePlans;

namespace EdgeGw.Core.Tests.UsagePlans;

public sealed class StateSectionTests
{
    [Fact]
    public void Compile_FlushInterval_BecomesATimeSpan()
    {
        var section = new StateSection();
        Assert.Empty(SectionFixture.Run(section, """{ "state": { "path": "/var/lib/edgegw/state.json", "flushIntervalSeconds": 30 } }"""));

        Assert.Equal(new StateSettings("/var/lib/edgegw/state.json", TimeSpan.FromSeconds(30)), section.Compile());
    }

    [Fact]
    public void Absent_TakesTheDefaults()
    {
        var section = new StateSection();
        Assert.Empty(SectionFixture.Run(section, "{}"));

        Assert.Equal(StateSettings.Default, section.Compile());
    }

    [Fact]
    public void Absent_Path_IsTheDataDirectoryFromTheEnvironment()
    {
        var section = new StateSection();
        Assert.Empty(SectionFixture.Run(section, """{ "state": { "flushIntervalSeconds": 30 } }"""));

        Assert.Equal(StateSettings.DefaultPath(Environment.GetEnvironmentVariable), section.Compile().Path);
        Assert.EndsWith("/edgegw-state.json", section.Compile().Path, StringComparison.Ordinal);
    }

    [Fact]
    public void ExplicitRelativePath_WinsAndStaysAsWritten()
    {
        var section = new StateSection();
        Assert.Empty(SectionFixture.Run(section, """{ "state": { "path": "edgegw-state.json" } }"""));

        Assert.Equal("edgegw-state.json", section.Compile().Path);
    }

    [Fact]
    public void Validate_EmptyPathAndZeroInterval_AreReported()
    {
        var errors = SectionFixture.Run(new StateSection(), """{ "state": { "path": " ", "flushIntervalSeconds": 0 } }""");

        Assert.Equal(["state.flushIntervalSeconds", "state.path"], SectionFixture.Paths(errors));
    }
}
