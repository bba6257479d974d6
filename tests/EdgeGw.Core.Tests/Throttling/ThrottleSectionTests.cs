using EdgeGw.Core.Tests.Configuration;
using EdgeGw.Core.Throttling;

namespace EdgeGw.Core.Tests.Throttling;

public sealed class ThrottleSectionTests
{
    [Fact]
    public void Read_MissingBurst_IsReportedOnce_AndLeavesNoBucket()
    {
        var section = new ThrottleSection();

        var errors = SectionFixture.Run(section, """{ "throttle": { "rateLimit": "fast" } }""");

        Assert.Equal(["throttle.rateLimit", "throttle.burstLimit"], SectionFixture.Paths(errors));
        Assert.Null(section.Config);
        Assert.Null(section.Compile());
    }

    [Fact]
    public void Compile_RateAndBurst_BecomeBucketSettings()
    {
        var section = new ThrottleSection();
        Assert.Empty(SectionFixture.Run(section, """{ "throttle": { "rateLimit": 0.5, "burstLimit": 3 } }"""));

        Assert.Equal(new ThrottleSettings(0.5, 3), section.Compile());
    }

    [Fact]
    public void Absent_IsNoBucket() => Assert.Null(Compiled("{}"));

    private static ThrottleSettings? Compiled(string json)
    {
        var section = new ThrottleSection();
        Assert.Empty(SectionFixture.Run(section, json));
        return section.Compile();
    }
}
