using EdgeGw.Core.Model;

namespace EdgeGw.Core.Tests.Model;

public sealed class StateSettingsTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void DefaultPath_UnderSystemd_IsTheStateDirectory()
    {
        var env = Env(("STATE_DIRECTORY", "/var/lib/edgegw"), ("XDG_STATE_HOME", "/home/u/.state"), ("HOME", "/home/u"));

        Assert.Equal("/var/lib/edgegw/edgegw-state.json", StateSettings.DefaultPath(env));
    }

    [Fact]
    public void DefaultPath_SeveralStateDirectories_TakesTheFirst()
    {
        Assert.Equal("/var/lib/edgegw/edgegw-state.json", StateSettings.DefaultPath(Env(("STATE_DIRECTORY", "/var/lib/edgegw:/var/lib/other"))));
    }

    [Fact]
    public void DefaultPath_WithoutSystemd_IsUnderXdgStateHome()
    {
        Assert.Equal("/home/u/.state/edgegw/edgegw-state.json", StateSettings.DefaultPath(Env(("XDG_STATE_HOME", "/home/u/.state"), ("HOME", "/home/u"))));
    }

    [Fact]
    public void DefaultPath_WithoutXdgStateHome_IsUnderLocalState()
    {
        Assert.Equal("/home/u/.local/state/edgegw/edgegw-state.json", StateSettings.DefaultPath(Env(("HOME", "/home/u"))));
    }

    [Fact]
    public void DefaultPath_RelativeDirectories_AreIgnored()
    {
        var env = Env(("STATE_DIRECTORY", "lib"), ("XDG_STATE_HOME", ".state"), ("HOME", "/home/u"));

        Assert.Equal("/home/u/.local/state/edgegw/edgegw-state.json", StateSettings.DefaultPath(env));
    }
}
