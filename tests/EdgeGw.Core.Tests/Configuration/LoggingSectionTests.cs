using EdgeGw.Core.Configuration;
using EdgeGw.Core.Model;

namespace EdgeGw.Core.Tests.Configuration;

public sealed class LoggingSectionTests
{
    [Fact]
    public void Compile_LevelAndFormat_AreReadCaseInsensitively()
    {
        var section = new LoggingSection();
        Assert.Empty(SectionFixture.Run(section, """{ "logging": { "level": "warning", "format": "JSON" } }"""));

        Assert.Equal(new LoggingSettings(GatewayLogLevel.Warning, LogFormat.Json), section.Compile());
    }

    [Fact]
    public void Absent_IsInformationAsText()
    {
        var section = new LoggingSection();
        Assert.Empty(SectionFixture.Run(section, "{}"));

        Assert.Equal(LoggingSettings.Default, section.Compile());
        Assert.Equal(new LoggingSettings(GatewayLogLevel.Information, LogFormat.Text), LoggingSettings.Default);
    }

    [Fact]
    public void Validate_UnknownLevelFormatAndKey_AreReportedWithTheirPaths()
    {
        var errors = SectionFixture.Run(new LoggingSection(), """{ "logging": { "level": "Loud", "format": "xml", "colour": true } }""");

        Assert.Equal(["logging.colour", "logging.level", "logging.format"], SectionFixture.Paths(errors));
    }

    [Fact]
    public void Validate_NumericLevel_IsRejected()
    {
        var errors = SectionFixture.Run(new LoggingSection(), """{ "logging": { "level": "3" } }""");

        Assert.Equal(["logging.level"], SectionFixture.Paths(errors));
    }

    [Fact]
    public void Levels_HaveTheValuesOfMicrosoftExtensionsLogging()
    {
        foreach (var level in Enum.GetValues<GatewayLogLevel>())
        {
            Assert.Equal(level.ToString(), ((Microsoft.Extensions.Logging.LogLevel)(int)level).ToString());
        }
    }
}
